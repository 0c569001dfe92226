import Foundation
import Imaging
import SeededRandom

/// The three labelled sets the paper fine-tunes on, drawn from the same simulator. (Not to be
/// confused with SonoData's `DownstreamTask`, the kind of task — segmentation or classification —
/// a fine-tuning run trains; these sets are one of each and one of both.)
public enum PhantomDownstreamSet: String, CaseIterable, Sendable, Codable {
    /// Liver and kidney segmentation on Morison's-pouch views.
    case liverKidney = "liver_kidney"
    /// Five-level quality score of Morison's-pouch views.
    case quality
    /// Thyroid nodule segmentation.
    case thyroid
}

/// One planned downstream image.
struct DownstreamItem: Sendable {
    var task: PhantomDownstreamSet
    var patient: String
    var split: String
    var name: String
    var spec: ImageSpec
    var score: Int?
}

enum DownstreamPlanner {
    /// Patients of each task, split train/val/test by patient with a seeded shuffle.
    static func plan(task: PhantomDownstreamSet, options: PhantomOptions, downstream: DownstreamOptions) -> [DownstreamItem] {
        let taskIndex = UInt64(PhantomDownstreamSet.allCases.firstIndex(of: task) ?? 0)
        let prefix = ["liver_kidney": "lk", "quality": "q", "thyroid": "th"][task.rawValue] ?? "d"
        var splitRNG = SplitMix64(seed: options.seed, stream: [2, taskIndex])
        let splits = assignSplits(
            count: downstream.patients, validation: downstream.validationShare, test: downstream.testShare, rng: &splitRNG)
        var items: [DownstreamItem] = []
        for p in 0..<downstream.patients {
            var rng = SplitMix64(seed: options.seed, stream: [3, taskIndex, UInt64(p)])
            let patient = "\(prefix)-p" + String(format: "%04d", p + 1)
            for k in 0..<downstream.imagesPerPatient {
                let name = "\(prefix)_p" + String(format: "%04d_%02d", p + 1, k + 1)
                var score: Int? = nil
                let spec: ImageSpec
                switch task {
                case .liverKidney:
                    spec = morisonSpec(score: rng.chance(0.5) ? 4 : rng.integer(in: 2...3), options: options, rng: &rng)
                case .quality:
                    // Balanced levels: patient p's k-th image cycles through the five scores.
                    let level = (p + k) % 5
                    score = level
                    spec = morisonSpec(score: level, options: options, rng: &rng)
                case .thyroid:
                    let transducer: Transducer = rng.chance(0.65) ? .sl15_4 : .sl10_2
                    let depth = ExamProtocol.depth(for: .thyroid, transducer: transducer, rng: &rng)
                    var s = ImageSpec(
                        kind: .thyroid, settings: ExamProtocol.settings(transducer: transducer, depthMM: depth, rng: &rng),
                        rows: options.rows, columns: options.columns, seed: rng.next())
                    s.lesion = true
                    s.layout = .fill
                    spec = s
                }
                items.append(DownstreamItem(task: task, patient: patient, split: splits[p], name: name, spec: spec, score: score))
            }
        }
        return items
    }

    static func assignSplits(count: Int, validation: Double, test: Double, rng: inout SplitMix64) -> [String] {
        let nTest = count >= 3 ? max(1, Int((Double(count) * test).rounded())) : 0
        let nVal = count >= 3 ? max(1, Int((Double(count) * validation).rounded())) : 0
        var order = Array(0..<count)
        order.seededShuffle(&rng)
        var splits = [String](repeating: "train", count: count)
        for (rank, patient) in order.enumerated() {
            if rank < nTest { splits[patient] = "test" } else if rank < nTest + nVal { splits[patient] = "val" }
        }
        return splits
    }

    /// A Morison's-pouch view whose simulator parameters realise quality `score`:
    /// 0 neither organ visible; 1–2 correct view with unclear structures; 3 acceptable; 4 optimal.
    static func morisonSpec(score: Int, options: PhantomOptions, rng: inout SplitMix64) -> ImageSpec {
        var view = MorisonView()
        var depth: Double
        switch score {
        case 0:
            view.kidneyVisibility = 0
            view.liverVisible = false
            view.offPlaneDegrees = rng.uniform(0, 30)
            view.ribShadows = rng.integer(in: 0...3)
            view.extraNoiseDB = rng.uniform(0, 10)
            depth = rng.uniform(100, 190)
        case 1:
            view.kidneyVisibility = rng.uniform(0.3, 0.55)
            view.offPlaneDegrees = rng.uniform(22, 35)
            view.ribShadows = rng.integer(in: 2...3)
            view.extraNoiseDB = rng.uniform(8, 14)
            depth = rng.chance(0.5) ? rng.uniform(95, 110) : rng.uniform(175, 200)
        case 2:
            view.kidneyVisibility = rng.uniform(0.5, 0.78)
            view.offPlaneDegrees = rng.uniform(14, 24)
            view.ribShadows = rng.integer(in: 1...2)
            view.extraNoiseDB = rng.uniform(4, 9)
            depth = rng.uniform(105, 185)
        case 3:
            view.kidneyVisibility = rng.uniform(0.75, 0.95)
            view.offPlaneDegrees = rng.uniform(6, 15)
            view.ribShadows = rng.integer(in: 0...1)
            view.extraNoiseDB = rng.uniform(0, 5)
            depth = rng.uniform(115, 175)
        default:
            view.kidneyVisibility = rng.uniform(0.95, 1)
            view.offPlaneDegrees = rng.uniform(0, 6)
            view.ribShadows = 0
            view.extraNoiseDB = rng.uniform(0, 2)
            depth = rng.uniform(130, 160)
        }
        view.freeFluid = score > 0 && rng.chance(0.15)
        depth = (depth / 5).rounded() * 5
        var settings = ExamProtocol.settings(transducer: .sc6_1, depthMM: depth, rng: &rng)
        settings.noiseFloorDB += view.extraNoiseDB
        var spec = ImageSpec(kind: .morisonPouch, settings: settings, rows: options.rows, columns: options.columns, seed: rng.next())
        spec.morison = view
        spec.layout = .fill
        return spec
    }
}

/// Renders and writes one downstream image with its masks.
enum DownstreamWriter {
    struct Written: Sendable {
        var item: DownstreamItem
        var maskPixels: [Organ: Int]
        var preview: Raster?
    }

    static func write(_ item: DownstreamItem, root: String, keepPreview: Bool) throws -> Written {
        let image = ImageRenderer.render(item.spec)
        let frame = image.frames[0]
        let folder = "\(root)/\(item.task.rawValue)"
        try savePNG(frame.pixels, frame: frame, to: "\(folder)/images/\(item.name).png")
        var counts: [Organ: Int] = [:]
        switch item.task {
        case .liverKidney, .quality:
            let liver = image.mask(of: .liver), kidney = image.mask(of: .kidney)
            let union = zip(liver, kidney).map { max($0, $1) }
            try savePNG(union, frame: frame, to: "\(folder)/masks/\(item.name).png")
            try savePNG(liver, frame: frame, to: "\(folder)/masks_liver/\(item.name).png")
            try savePNG(kidney, frame: frame, to: "\(folder)/masks_kidney/\(item.name).png")
            counts[.liver] = liver.filter { $0 > 0 }.count
            counts[.kidney] = kidney.filter { $0 > 0 }.count
        case .thyroid:
            let nodule = image.mask(of: .nodule)
            try savePNG(nodule, frame: frame, to: "\(folder)/masks/\(item.name).png")
            counts[.nodule] = nodule.filter { $0 > 0 }.count
        }
        var preview: Raster? = nil
        if keepPreview, let gray = try? Raster(width: frame.columns, height: frame.rows, channels: 1, pixels: frame.pixels) {
            preview = gray
        }
        return Written(item: item, maskPixels: counts, preview: preview)
    }

    static func savePNG(_ pixels: [UInt8], frame: BModeFrame, to path: String) throws {
        do {
            let raster = try Raster(width: frame.columns, height: frame.rows, channels: 1, pixels: pixels)
            try PNG.write(raster, to: path)
        } catch {
            throw PhantomError.io(path: path, reason: "\(error)")
        }
    }

    static func labelsCSV(_ written: [Written], task: PhantomDownstreamSet) -> String {
        var header = "image,mask,patient,split"
        switch task {
        case .liverKidney: header += ",liver_mask,kidney_mask,liver_pixels,kidney_pixels"
        case .quality:
            header +=
                ",score,liver_mask,kidney_mask,kidney_visibility,liver_visible,off_plane_deg,rib_shadows,extra_noise_db,depth_mm,free_fluid"
        case .thyroid: header += ",nodule_pixels,transducer,depth_mm"
        }
        var lines = [header]
        for w in written {
            let i = w.item
            var row = "images/\(i.name).png,masks/\(i.name).png,\(i.patient),\(i.split)"
            switch task {
            case .liverKidney:
                row += ",masks_liver/\(i.name).png,masks_kidney/\(i.name).png,\(w.maskPixels[.liver] ?? 0),\(w.maskPixels[.kidney] ?? 0)"
            case .quality:
                let v = i.spec.morison ?? MorisonView()
                row += ",\(i.score ?? 0),masks_liver/\(i.name).png,masks_kidney/\(i.name).png"
                row += String(
                    format: ",%.3f,%d,%.1f,%d,%.1f,%.0f,%d", v.kidneyVisibility, v.liverVisible ? 1 : 0, v.offPlaneDegrees,
                    v.ribShadows, v.extraNoiseDB, i.spec.settings.depthMM, v.freeFluid ? 1 : 0)
            case .thyroid:
                row +=
                    ",\(w.maskPixels[.nodule] ?? 0),\(i.spec.settings.transducer.rawValue),\(String(format: "%.0f", i.spec.settings.depthMM))"
            }
            lines.append(row)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
