import DICOM
import Foundation

/// Turns a table's text cells into DICOM elements of the VR and multiplicity the standard's
/// dictionary gives each keyword, refusing values a validator (dciodvfy) would reject, so an
/// imported archive is as valid as a scanner's.
enum ImportValues {
    /// Cell markers for row problems found while reading the table (kept with the row so that
    /// only that image fails).
    static let badSpacingKey = "\u{1}pixel_spacing"
    static let missingImageKey = "\u{1}image"
    static let unmatchedPatient = "\u{1}unmatched"

    /// What the import itself writes from the image or its own bookkeeping: a table may not set them.
    static let reserved: Set<String> = [
        "SOPClassUID", "SOPInstanceUID", "Modality", "Rows", "Columns", "SamplesPerPixel", "PhotometricInterpretation",
        "PlanarConfiguration", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation", "PixelData",
        "NumberOfFrames", "FrameIncrementPointer", "SequenceOfUltrasoundRegions", "LossyImageCompression",
        "LossyImageCompressionRatio", "LossyImageCompressionMethod", "TransferSyntaxUID", "SpecificCharacterSet",
        "MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID", "PixelSpacing"
    ]

    /// Keywords whose values identify a patient: never echoed in messages.
    static func isIdentifying(_ keyword: String) -> Bool {
        keyword.hasPrefix("Patient") || keyword.hasPrefix("OtherPatient") || keyword == "AccessionNumber"
            || keyword.hasSuffix("PhysicianName") || keyword == "InstitutionName" || keyword == "InstitutionAddress"
    }

    static let textVRs: Set<VR> = [.AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT]
    static let numberVRs: Set<VR> = [.US, .SS, .UL, .SL, .FL, .FD]

    /// Refuses, before any image is read, columns (or `--tag`s) that name something the import
    /// controls or a VR no table cell can hold.
    static func checkWritable(keywords: [(keyword: String, header: String)], source: String) throws {
        for (keyword, header) in keywords {
            guard let tag = DataDictionary.tag(forKeyword: keyword), let entry = DataDictionary.entry(for: tag) else {
                throw ImportError("\(source): '\(header)' is not a DICOM keyword")
            }
            if reserved.contains(keyword) {
                let hint =
                    keyword == "PixelSpacing"
                    ? " (give the spacing as pixel_spacing_mm: ultrasound stores it in the Sequence of Ultrasound Regions)" : ""
                throw ImportError("\(source): '\(header)' sets \(keyword), which the import writes from the image itself\(hint)")
            }
            guard textVRs.contains(entry.vr) || numberVRs.contains(entry.vr) else {
                throw ImportError("\(source): '\(header)' is \(keyword) of VR \(entry.vr.rawValue), which cannot be given as text")
            }
            if tag.group == 0x0002 { throw ImportError("\(source): '\(header)' is a file meta element") }
        }
    }

    /// The element for `keyword` = `text`; a value the VR or multiplicity does not allow is an
    /// error naming the keyword (and the value, unless it identifies the patient).
    static func element(keyword: String, text: String) throws -> DataElement {
        guard let tag = DataDictionary.tag(forKeyword: keyword), let entry = DataDictionary.entry(for: tag) else {
            throw ImportError("\(keyword) is not a DICOM keyword")
        }
        let shown = isIdentifying(keyword) ? "its value" : "'\(text)'"
        let singleValued: Set<VR> = [.LT, .ST, .UT, .UR]
        let values =
            singleValued.contains(entry.vr) ? [text] : text.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        if let problem = multiplicityProblem(values.count, vm: entry.vm) {
            throw ImportError(
                "\(keyword): \(shown) has \(values.count) value\(values.count == 1 ? "" : "s") (backslash-separated), the standard allows \(problem)"
            )
        }
        var element = DataSet()
        if numberVRs.contains(entry.vr) {
            if entry.vr == .FL || entry.vr == .FD {
                let numbers = values.map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw ImportError("\(keyword): \(shown) is not a number") }
                element.set(tag, entry.vr, doubles: numbers.map { $0! })
            } else {
                let numbers = values.map { Int($0.trimmingCharacters(in: .whitespaces)) }
                let range: ClosedRange<Int> =
                    switch entry.vr {
                    case .US: 0...65535
                    case .SS: -32768...32767
                    case .UL: 0...Int(UInt32.max)
                    default: Int(Int32.min)...Int(Int32.max)
                    }
                guard numbers.allSatisfy({ $0 != nil && range.contains($0!) }) else {
                    throw ImportError(
                        "\(keyword): \(shown) is not an integer in \(range.lowerBound)…\(range.upperBound) (VR \(entry.vr.rawValue))")
                }
                element.set(tag, entry.vr, ints: numbers.map { $0! })
            }
        } else {
            for value in values {
                if let problem = textProblem(value, vr: entry.vr) {
                    throw ImportError("\(keyword): \(shown) \(problem) (VR \(entry.vr.rawValue))")
                }
            }
            element.set(tag, entry.vr, strings: values)
        }
        return element[tag]!
    }

    /// Nil when `count` values fit the dictionary's VM ("1", "2", "1-n", "2-2n", "1-3"), else the allowed count.
    static func multiplicityProblem(_ count: Int, vm: String) -> String? {
        let parts = vm.split(separator: "-").map(String.init)
        guard let low = Int(parts.first ?? "") else { return nil }
        if parts.count == 1 { return count == low ? nil : "\(low)" }
        let high = parts[1]
        if high == "n" { return count >= low ? nil : "at least \(low)" }
        if high.hasSuffix("n"), let step = Int(high.dropLast()) {
            return count >= low && count % step == 0 ? nil : "a multiple of \(step)"
        }
        if let top = Int(high) { return (low...top).contains(count) ? nil : "\(low) to \(top)" }
        return nil
    }

    /// PS3.5 6.2: the lengths and characters of each text VR; nil when the value fits.
    static func textProblem(_ value: String, vr: VR) -> String? {
        func longer(_ limit: Int) -> String? { value.count > limit ? "is longer than \(limit) characters" : nil }
        func matches(_ pattern: String) -> Bool { value.range(of: pattern, options: .regularExpression) != nil }
        if value.contains(where: { $0.isNewline }) && ![VR.LT, .ST, .UT].contains(vr) { return "holds a line break" }
        switch vr {
        case .AE: return longer(16)
        case .AS: return matches("^[0-9]{3}[DWMY]$") ? nil : "is not an age like 045Y"
        case .CS:
            if let long = longer(16) { return long }
            return matches("^[A-Z0-9_ ]*$") ? nil : "may hold only upper-case letters, digits, space and _"
        case .DA: return matches("^[0-9]{8}$") ? nil : "is not a date YYYYMMDD"
        case .DT: return matches("^[0-9]{4,14}(\\.[0-9]{1,6})?([+-][0-9]{4})?$") ? nil : "is not a date-time YYYYMMDDHHMMSS"
        case .TM: return matches("^[0-9]{2}([0-9]{2}([0-9]{2}(\\.[0-9]{1,6})?)?)?$") ? nil : "is not a time HHMMSS"
        case .DS:
            if let long = longer(16) { return long }
            return Double(value.trimmingCharacters(in: .whitespaces)) != nil ? nil : "is not a decimal number"
        case .IS:
            if let long = longer(12) { return long }
            return Int(value.trimmingCharacters(in: .whitespaces)).map { Int32(exactly: $0) != nil } == true ? nil : "is not an integer"
        case .LO: return longer(64)
        case .SH: return longer(16)
        case .PN:
            return value.split(separator: "=", omittingEmptySubsequences: false).contains { $0.count > 64 }
                ? "has a name part longer than 64 characters" : nil
        case .ST: return longer(1024)
        case .LT: return longer(10240)
        case .UI:
            if let long = longer(64) { return long }
            return matches("^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*$") ? nil : "is not a UID (digits and dots, no leading zeros)"
        default: return nil
        }
    }
}
