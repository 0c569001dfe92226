import Foundation

/// The paper's eight weak-label groups, in the order used for the multi-hot vector.
public enum ExamGroup: Int, CaseIterable, Sendable, Codable {
    case liver, kidney, thyroid, abdomen, chest, softTissue, nodule, drainage

    /// The group's name as the paper (and Table A1) writes it.
    public var name: String {
        switch self {
        case .liver: return "liver"
        case .kidney: return "kidney"
        case .thyroid: return "thyroid"
        case .abdomen: return "abdomen"
        case .chest: return "chest"
        case .softTissue: return "soft tissue"
        case .nodule: return "nodule"
        case .drainage: return "drainage"
        }
    }
}

/// One row of the paper's Table A1: a Study Description and the groups a radiologist mapped it to.
public struct StudyDescriptionEntry: Sendable, Hashable {
    public let description: String
    public let groups: Set<ExamGroup>

    /// Multi-hot vector in `ExamGroup` order.
    public var multiHot: [Float] { ExamGroup.allCases.map { groups.contains($0) ? 1 : 0 } }
}

public enum StudyCatalog {
    /// Table A1 of Hu et al., transcribed from ../shared/data/paper/table_a1_study_descriptions.csv
    /// (row order kept: the paper lists descriptions from most to least frequent, which the
    /// phantom uses for its Zipf-like frequencies). Embedded so the binary needs no data files.
    /// Kept as published, including the probable typo "US BIOPSY KIDNEY FOCAL (LEFT)" → liver.
    public static let tableA1: [StudyDescriptionEntry] = [
        StudyDescriptionEntry(description: "US BIOPSY LIVER NONFOCAL", groups: [.liver, .abdomen]),
        StudyDescriptionEntry(description: "US BIOPSY LIVER FOCAL", groups: [.liver, .abdomen]),
        StudyDescriptionEntry(description: "US LYMPH NODE BIOPSY", groups: [.softTissue, .nodule]),
        StudyDescriptionEntry(description: "US BIOPSY KIDNEY NONFOCAL (EITHER SIDE)", groups: [.kidney, .abdomen]),
        StudyDescriptionEntry(description: "US PARACENTESIS THERAPEUTIC", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US BIOPSY TRANSPLANTED KIDNEY", groups: [.kidney, .abdomen]),
        StudyDescriptionEntry(description: "US PARACENTESIS DIAGNOSTIC AND THERAPEUTIC", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US THYROID BIOPSY", groups: [.thyroid, .nodule]),
        StudyDescriptionEntry(description: "US PARACENTESIS DIAGNOSTIC", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US THORACENTESIS DIAGNOSTIC AND THERAPEUTIC", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US THYROID ASPIRATION/FNA", groups: [.thyroid, .nodule]),
        StudyDescriptionEntry(description: "US DRAINAGE INTERVENTION NOT OTHERWISE SPECIFIED", groups: [.softTissue, .drainage]),
        StudyDescriptionEntry(description: "US DRAINAGE ABDOMEN", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US DRAINAGE GALLBLADDER (CHOLECYSTOSTOMY)", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US THORACENTESIS THERAPEUTIC (RIGHT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US THORACENTESIS THERAPEUTIC (LEFT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US BIOPSY MESENTERY", groups: [.abdomen, .drainage, .softTissue]),
        StudyDescriptionEntry(description: "US NECK SOFT TISSUE BIOPSY", groups: [.softTissue, .nodule]),
        StudyDescriptionEntry(description: "US DRAINAGE CATHETER PLACEMENT", groups: [.softTissue, .drainage]),
        StudyDescriptionEntry(description: "US DRAINAGE PELVIS", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US SOFT TISSUE BIOPSY", groups: [.softTissue, .nodule]),
        StudyDescriptionEntry(description: "US BIOPSY KIDNEY NONFOCAL (LEFT)", groups: [.kidney, .abdomen]),
        StudyDescriptionEntry(description: "US CHEST TUBE PLACEMENT (RIGHT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US BIOPSY NOT OTHERWISE SPECIFIED", groups: [.softTissue, .nodule, .drainage]),
        StudyDescriptionEntry(description: "US ABDOMINAL PELVIC BIOPSY NOT OTHERWISE SPECIFIED", groups: [.softTissue, .nodule, .drainage]),
        StudyDescriptionEntry(description: "US CHEST TUBE PLACEMENT (LEFT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "CT BIOPSY LIVER FOCAL", groups: [.liver, .abdomen]),
        StudyDescriptionEntry(description: "US BIOPSY KIDNEY FOCAL (LEFT)", groups: [.liver, .abdomen]),
        StudyDescriptionEntry(description: "US ASPIRATION ABDOMINAL COLLECTION", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "CT LYMPH NODE BIOPSY", groups: [.softTissue, .nodule]),
        StudyDescriptionEntry(description: "US DRAINAGE LIVER", groups: [.liver, .drainage, .abdomen]),
        StudyDescriptionEntry(description: "US BIOPSY RETROPERITONEUM", groups: [.abdomen]),
        StudyDescriptionEntry(description: "US LYMPH NODE ASPIRATION/FNA", groups: [.softTissue, .nodule, .drainage]),
        StudyDescriptionEntry(description: "US SOFT TISSUE ASPIRATION", groups: [.softTissue, .drainage]),
        StudyDescriptionEntry(description: "US ASPIRATION PELVIS", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US THORACENTESIS DIAGNOSTIC (RIGHT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US THORACENTESIS DIAGNOSTIC (LEFT)", groups: [.chest, .drainage]),
        StudyDescriptionEntry(description: "US DRAINAGE KIDNEY/PARARENAL (RIGHT)", groups: [.abdomen, .kidney, .drainage]),
        StudyDescriptionEntry(description: "US HEAD/NECK INTERVENTION NOT OTHERWISE SPECIFIED", groups: [.softTissue]),
        StudyDescriptionEntry(description: "US BIOPSY KIDNEY FOCAL (RIGHT)", groups: [.kidney, .abdomen]),
        StudyDescriptionEntry(description: "CT ABDOMINAL PELVIC BIOPSY NOT OTHERWISE SPECIFIED", groups: [.abdomen]),
        StudyDescriptionEntry(description: "US DRAINAGE KIDNEY/PARARENAL (LEFT)", groups: [.kidney, .abdomen]),
        StudyDescriptionEntry(description: "IR PARACENTESIS (THERAPEUTIC)", groups: [.abdomen, .drainage]),
        StudyDescriptionEntry(description: "US PSEUDOANEURYSM THROMBIN INJECTION", groups: [.softTissue, .nodule])
    ]
}
