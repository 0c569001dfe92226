import Foundation
import SeededRandom

/// One simulated patient. `folder` is an ordinal key (p0001…), never the Patient ID, so paths
/// carry no identifier.
public struct PatientPlan: Sendable {
    public var folder: String
    public var patientID: String
    public var patientName: String
    public var birthDate: String
    public var sex: String
    public var studies: [StudyPlan]
}

public struct StudyPlan: Sendable {
    public var folder: String
    public var uid: String
    public var date: String
    public var time: String
    public var accessionNumber: String
    public var studyID: String
    /// What the exam really was.
    public var truth: StudyDescriptionEntry
    /// What the file says: usually `truth.description`, sometimes wrong or missing (nil).
    public var writtenDescription: String?
    public var series: [SeriesPlan]
}

public struct SeriesPlan: Sendable {
    public var folder: String
    public var uid: String
    public var number: Int
    /// The probe really used.
    public var transducer: Transducer
    /// What Transducer Data says: usually the probe, sometimes another or missing (nil).
    public var writtenTransducer: String?
    public var instances: [InstancePlan]
}

public struct InstancePlan: Sendable {
    public var file: String
    public var uid: String
    public var number: Int
    public var time: String
    public var encoding: PhantomEncoding
    public var spec: ImageSpec
    /// Relative path of the .dcm file inside the output folder.
    public var relativePath: String
    /// B-mode, or (with `PhantomOptions.otherKindsShare`) another screen.
    public var screen: ScreenKind = .bmode
}

/// Deterministic plan of the archive: each patient's stream depends only on (seed, patient
/// index), so growing a cohort keeps its first patients unchanged.
enum CohortPlanner {
    /// Zipf-like frequencies over Table A1's rows (the paper lists them most frequent first).
    static let descriptionWeights: [Double] = StudyCatalog.tableA1.indices.map { 1 / pow(Double($0 + 1), 0.8) }

    static func plan(_ options: PhantomOptions) -> [PatientPlan] {
        (0..<options.patients).map { patient(index: $0, options: options) }
    }

    static func patient(index: Int, options: PhantomOptions) -> PatientPlan {
        var rng = SplitMix64(seed: options.seed, stream: [1, UInt64(index)])
        let folder = String(format: "p%04d", index + 1)
        let birth = SimpleDate(year: 1935, month: 1, day: 1).adding(days: rng.integer(in: 0...(70 * 365)))
        let sex = rng.chance(0.5) ? "F" : "M"
        let patientID = FakeIdentity.patientID(&rng)
        let name = FakeIdentity.personName(&rng)
        var day = SimpleDate(year: 2014, month: 1, day: 1).adding(days: rng.integer(in: 0...(8 * 365)))
        var studies: [StudyPlan] = []
        for s in 0..<rng.integer(in: options.studiesPerPatient) {
            studies.append(study(index: s, patientFolder: folder, date: day, options: options, rng: &rng))
            day = day.adding(days: rng.integer(in: 1...400))
        }
        return PatientPlan(folder: folder, patientID: patientID, patientName: name, birthDate: birth.dicom, sex: sex, studies: studies)
    }

    static func study(index: Int, patientFolder: String, date: SimpleDate, options: PhantomOptions, rng: inout SplitMix64) -> StudyPlan {
        let folder = String(format: "s%02d", index + 1)
        let truth = StudyCatalog.tableA1[rng.weightedIndex(descriptionWeights)]
        var written: String? = truth.description
        if rng.chance(options.studyDescriptionNoise) {
            // Real archives: blank descriptions, or the order of another exam.
            written = rng.chance(0.5) ? nil : rng.pick(StudyCatalog.tableA1.filter { $0.groups != truth.groups }.map(\.description))
        }
        var seconds = rng.integer(in: (7 * 3600)...(17 * 3600))
        let studyTime = Self.time(seconds)
        let uid = UIDGenerator.uid(&rng)
        let accession = "ACC" + String(format: "%07d", rng.integer(in: 0...9_999_999))
        let studyID = String(rng.integer(in: 1000...99999))
        var series: [SeriesPlan] = []
        let primary = ExamProtocol.transducer(for: truth, rng: &rng)
        for k in 0..<rng.integer(in: options.seriesPerStudy) {
            // A second series often switches probe (e.g. linear for the needle path).
            let transducer = k == 0 || rng.chance(0.6) ? primary : ExamProtocol.transducer(for: truth, rng: &rng)
            var writtenTransducer: String? = transducer.rawValue
            if rng.chance(options.transducerNoise) {
                writtenTransducer = rng.chance(0.5) ? nil : rng.pick(Transducer.allCases.filter { $0 != transducer }).rawValue
            }
            let seriesFolder = String(format: "se%02d", k + 1)
            let cine = rng.chance(options.cineFraction)
            let count = cine ? 1 : rng.integer(in: options.imagesPerSeries)
            var instances: [InstancePlan] = []
            let seriesUID = UIDGenerator.uid(&rng)
            for i in 0..<count {
                seconds += rng.integer(in: 5...90)
                let kind = ExamProtocol.sceneKind(for: truth, rng: &rng)
                let depth = ExamProtocol.depth(for: kind, transducer: transducer, rng: &rng)
                let settings = ExamProtocol.settings(transducer: transducer, depthMM: depth, rng: &rng)
                var spec = ImageSpec(kind: kind, settings: settings, rows: options.rows, columns: options.columns, seed: rng.next())
                spec.needle = ExamProtocol.isIntervention(truth.description) && rng.chance(0.5)
                spec.lesion = truth.groups.contains(.nodule) || truth.description.contains(" FOCAL") ? rng.chance(0.85) : rng.chance(0.05)
                if cine {
                    spec.frames = rng.integer(in: options.cineFrames)
                    spec.motionMM = transducer.geometry == .curvilinear ? rng.uniform(2, 6) : rng.uniform(0.5, 2)
                }
                let encodings = PhantomEncoding.allCases
                var encoding = encodings[rng.weightedIndex(encodings.map { options.encodingWeights[$0] ?? 0 })]
                let screen = ScreenKind.choose(share: options.otherKindsShare, imageSeed: spec.seed, cine: cine)
                // Colour Doppler is exported in colour.
                if screen == .colourFlow, encoding == .nativeMonochrome { encoding = .nativeRGB }
                let file = String(format: "i%04d.dcm", i + 1)
                instances.append(
                    InstancePlan(
                        file: file, uid: UIDGenerator.uid(&rng), number: i + 1, time: Self.time(seconds),
                        encoding: encoding, spec: spec,
                        relativePath: "dicom/\(patientFolder)/\(folder)/\(seriesFolder)/\(file)", screen: screen))
            }
            series.append(
                SeriesPlan(
                    folder: seriesFolder, uid: seriesUID, number: k + 1, transducer: transducer,
                    writtenTransducer: writtenTransducer, instances: instances))
        }
        return StudyPlan(
            folder: folder, uid: uid, date: date.dicom, time: studyTime, accessionNumber: accession,
            studyID: studyID, truth: truth, writtenDescription: written, series: series)
    }

    /// HHMMSS from seconds after midnight (clamped to the day).
    static func time(_ seconds: Int) -> String {
        let s = min(max(seconds, 0), 86_399)
        return String(format: "%02d%02d%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
