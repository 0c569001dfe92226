import Foundation
import SeededRandom

/// How a real service would image each kind of exam: which view, which probe, what depth.
enum ExamProtocol {
    /// Words in a Study Description that mean a needle or catheter is in play.
    static let interventionWords = ["BIOPSY", "ASPIRATION", "FNA", "DRAINAGE", "PLACEMENT", "CENTESIS", "INJECTION", "INTERVENTION"]

    static func isIntervention(_ description: String) -> Bool {
        interventionWords.contains { description.contains($0) }
    }

    /// The view an image of this exam shows. Most images show the target organ; a few are survey
    /// views of the neighbourhood, as in real exams.
    static func sceneKind(for entry: StudyDescriptionEntry, rng: inout SplitMix64) -> SceneKind {
        let g = entry.groups
        let d = entry.description
        if g.contains(.thyroid) { return rng.chance(0.92) ? .thyroid : .softTissue }
        if g.contains(.chest) {
            return g.contains(.drainage) ? (rng.chance(0.8) ? .pleuralEffusion : .chest) : .chest
        }
        if g.contains(.kidney) { return rng.chance(0.45) ? .morisonPouch : .kidney }
        if g.contains(.liver) {
            if g.contains(.drainage) && rng.chance(0.5) { return .abdomenCollection }
            return rng.chance(0.85) ? .liver : .morisonPouch
        }
        if g.contains(.abdomen) && g.contains(.drainage) {
            return d.contains("PARACENTESIS") ? .ascites : (rng.chance(0.7) ? .abdomenCollection : .ascites)
        }
        if d.contains("LYMPH") { return .lymphNode }
        if g.contains(.softTissue) && g.contains(.drainage) && !g.contains(.nodule) { return .softTissueCollection }
        if g.contains(.softTissue) && g.contains(.nodule) { return rng.chance(0.5) ? .lymphNode : .softTissue }
        if g.contains(.softTissue) { return .softTissue }
        return .retroperitoneum
    }

    /// Probe choice: superficial work on linear arrays, abdomen and chest drainage on the convex one.
    static func transducer(for entry: StudyDescriptionEntry, rng: inout SplitMix64) -> Transducer {
        let g = entry.groups
        let weights: [Double]  // SC6-1, SL10-2, SL15-4
        if g.contains(.thyroid) {
            weights = [0.04, 0.36, 0.60]
        } else if g.contains(.chest) {
            weights = [0.70, 0.25, 0.05]
        } else if g.contains(.liver) || g.contains(.kidney) || g.contains(.abdomen) {
            weights = [0.86, 0.12, 0.02]
        } else {
            weights = [0.15, 0.50, 0.35]
        }
        return Transducer.allCases[rng.weightedIndex(weights)]
    }

    /// Display depth a sonographer would choose for the view on this probe, mm.
    static func depth(for kind: SceneKind, transducer: Transducer, rng: inout SplitMix64) -> Double {
        let wanted: ClosedRange<Double>
        switch kind {
        case .thyroid: wanted = 30...45
        case .softTissue, .lymphNode, .softTissueCollection: wanted = 30...55
        case .chest: wanted = transducer.geometry == .linear ? 35...60 : 90...140
        case .pleuralEffusion: wanted = 100...170
        case .liver, .retroperitoneum: wanted = 130...190
        case .kidney, .morisonPouch, .abdomenCollection, .ascites: wanted = 110...170
        }
        let allowed = transducer.depthRangeMM
        let lower = min(max(wanted.lowerBound, allowed.lowerBound), allowed.upperBound)
        let upper = max(min(wanted.upperBound, allowed.upperBound), lower)
        return (rng.uniform(lower, upper) / 5).rounded() * 5
    }

    /// Acquisition settings with the small operator-to-operator variation real archives show.
    static func settings(transducer: Transducer, depthMM: Double, rng: inout SplitMix64) -> AcquisitionSettings {
        var settings = AcquisitionSettings(transducer: transducer, depthMM: depthMM, focusDepthMM: depthMM * rng.uniform(0.35, 0.7))
        settings.gainDB = rng.uniform(-4, 4)
        settings.dynamicRangeDB = (rng.uniform(50, 72) / 3).rounded() * 3
        settings.noiseFloorDB = rng.uniform(-68, -58)
        settings.tgcSlidersDB = (0..<8).map { _ in rng.uniform(-2.5, 2.5) }
        return settings
    }

    /// DICOM Image Type value 3 for the view (PS3.3 C.8.5.6.1.1 defined terms).
    static func imageTypeRegion(for kind: SceneKind) -> String {
        switch kind {
        case .thyroid, .lymphNode: return "SMALL PARTS"
        case .softTissue, .softTissueCollection: return "SMALL PARTS"
        case .chest, .pleuralEffusion: return "CHEST"
        case .kidney, .retroperitoneum: return "RETROPERITONEAL"
        case .liver, .morisonPouch, .ascites, .abdomenCollection: return "ABDOMINAL"
        }
    }

    static func bodyPart(for kind: SceneKind) -> String {
        switch kind {
        case .thyroid, .lymphNode: return "NECK"
        case .softTissue, .softTissueCollection: return "EXTREMITY"
        case .chest, .pleuralEffusion: return "CHEST"
        case .kidney, .retroperitoneum: return "KIDNEY"
        case .liver, .morisonPouch, .ascites, .abdomenCollection: return "ABDOMEN"
        }
    }

    /// Laterality (0020,0060) for paired body parts: from the exam's wording, empty when unstated.
    static func laterality(for kind: SceneKind, description: String) -> String? {
        guard ["KIDNEY", "EXTREMITY"].contains(bodyPart(for: kind)) else { return nil }
        if description.contains("(LEFT)") { return "L" }
        if description.contains("(RIGHT)") { return "R" }
        return ""
    }

    /// Scanner preset name shown on screen.
    static func preset(for kind: SceneKind) -> String {
        switch kind {
        case .thyroid: return "THYROID"
        case .lymphNode, .softTissue, .softTissueCollection: return "SM PARTS"
        case .chest, .pleuralEffusion: return "LUNG"
        case .kidney: return "RENAL"
        default: return "ABDOMEN"
        }
    }
}
