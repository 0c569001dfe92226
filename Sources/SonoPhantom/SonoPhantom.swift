// SonoPhantom: a synthetic ultrasound archive whose DICOM metadata genuinely correlates with the
// pixels, for demos, tests and users without access to real data.
//
// Generate a cohort from code:
//
//     var options = PhantomOptions()          // defaults: 20 patients, 256×384, seed 1
//     options.patients = 50
//     options.seed = 7
//     options.downstream?.patients = 30       // nil skips the labelled sets
//     let summary = try PhantomGenerator.generate(options, into: URL(fileURLWithPath: "cohort"))
//
// or one image: `ImageRenderer.render(ImageSpec(kind: .thyroid, settings: AcquisitionSettings(
// transducer: .sl15_4, depthMM: 40), rows: 256, columns: 384, seed: 1))`.
//
// Output layout (all paths relative to the output folder):
//   dicom/<patient>/<study>/<series>/<instance>.dcm  US Image / US Multi-frame Image Storage;
//       folders are ordinals (p0001/s01/se01/i0001.dcm), never identifiers
//   instances.csv        one row per file: true and written Study Description / Transducer Data,
//                        view, encoding, frames, depth (no Patient ID or name)
//   downstream/liver_kidney/{images,masks,masks_liver,masks_kidney}/*.png + labels.csv
//   downstream/quality/{images,masks,masks_liver,masks_kidney}/*.png + labels.csv (score 0–4
//                        and the simulator parameters behind it)
//   downstream/thyroid/{images,masks}/*.png + labels.csv
//   phantom.json         seed, options, counts (byte-identical for a seed)
//   preview.png          with `preview`: sample frames captioned with their tags
//
// Pipeline: CohortPlanner (patients → studies → series → instances, each with a seeded stream)
// → Anatomy (a Scene per view) → BModeSimulator (scatterers, attenuation, PSF, TGC, envelope,
// log compression, scan conversion) → ScreenComposer (burned-in text) → InstanceHeader +
// DICOMWriter (DICOM) / DownstreamWriter (PNG).
