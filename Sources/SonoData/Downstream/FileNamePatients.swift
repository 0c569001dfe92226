import Foundation

/// Patients read from image file names, for a downstream folder without labels.csv: split by
/// patient rather than per image, so that no patient's images sit in both train and test.
///
/// Two name patterns count, tried on every stem:
/// - a patient word and number at the start: `patient12_…`, `pat-3…`, `pt07…`, `case_5…`,
///   `subject2…`, `P12_…` (case-insensitive; leading zeros ignored, so `P012` is `P12`);
/// - a leading identifier before a separator shared by several images: `001_HC`, `001_2HC`
///   (HC18's naming), `A12-left`, `A12-right`.
/// A pattern applies only when every stem matches it; the second also needs some identifier
/// that has more than one image (otherwise it is just a numbering of images).
enum FileNamePatients {
    private static let patientWord = try! NSRegularExpression(
        pattern: "^(?:patient|pat|pt|case|subject|subj|p)[-_ ]?0*([0-9]+)(?![0-9])", options: [.caseInsensitive])
    private static let leadingIdentifier = try! NSRegularExpression(pattern: "^([A-Za-z]*[0-9]+)[-_]")

    /// Patient per image stem, or nil when the names carry no patient.
    static func patients(of stems: [String]) -> [String: String]? {
        guard !stems.isEmpty else { return nil }
        if let found = match(stems, patientWord) { return found }
        if let found = match(stems, leadingIdentifier), Set(found.values).count < stems.count { return found }
        return nil
    }

    private static func match(_ stems: [String], _ pattern: NSRegularExpression) -> [String: String]? {
        var patients: [String: String] = [:]
        for stem in stems {
            let range = NSRange(stem.startIndex..., in: stem)
            guard let hit = pattern.firstMatch(in: stem, range: range), let id = Range(hit.range(at: 1), in: stem) else { return nil }
            patients[stem] = String(stem[id]).lowercased()
        }
        return patients
    }
}
