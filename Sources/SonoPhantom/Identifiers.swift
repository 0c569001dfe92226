import Foundation
import SeededRandom

/// DICOM UIDs under the `2.25` root (PS3.5 B.2: a UUID written as one decimal integer), so no
/// registered organisation root is needed. The UUIDs are version-4 shaped but drawn from the
/// cohort's seeded stream: the same seed gives the same UIDs.
enum UIDGenerator {
    static let root = "2.25"

    static func uid(_ rng: inout SplitMix64) -> String {
        var high = rng.next(), low = rng.next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        return "\(root).\(decimal(high: high, low: low))"
    }

    /// Decimal digits of the 128-bit number high·2⁶⁴ + low (long division by 10⁹, base 2³² limbs).
    static func decimal(high: UInt64, low: UInt64) -> String {
        var limbs: [UInt64] = [high >> 32, high & 0xFFFF_FFFF, low >> 32, low & 0xFFFF_FFFF]
        var chunks: [UInt64] = []
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for k in limbs.indices {
                let value = (remainder << 32) | limbs[k]
                limbs[k] = value / 1_000_000_000
                remainder = value % 1_000_000_000
            }
            chunks.append(remainder)
        }
        guard let last = chunks.last else { return "0" }
        var text = String(last)
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}

/// Invented patient identities: syllable names that belong to nobody, and IDs with a phantom prefix.
enum FakeIdentity {
    private static let onsets = ["B", "D", "F", "G", "K", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "BR", "KR", "TH", "ST"]
    private static let vowels = ["A", "E", "I", "O", "U", "AI", "OU"]
    private static let codas = ["", "N", "R", "L", "S", "X", "ND", "RT"]

    static func name(_ rng: inout SplitMix64, syllables: Int) -> String {
        (0..<syllables).map { _ in rng.pick(onsets) + rng.pick(vowels) + rng.pick(codas) }.joined()
    }

    /// "FAMILY^GIVEN" in DICOM Person Name form.
    static func personName(_ rng: inout SplitMix64) -> String {
        "\(name(&rng, syllables: rng.integer(in: 2...3)))^\(name(&rng, syllables: 2))"
    }

    static func patientID(_ rng: inout SplitMix64) -> String {
        "PH" + String(format: "%08d", rng.integer(in: 0...99_999_999))
    }
}

/// Calendar arithmetic on plain (year, month, day) values: DICOM dates without time zones.
struct SimpleDate: Sendable, Comparable, Codable {
    var year: Int, month: Int, day: Int

    private static let daysBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    /// Days since 1900-01-01.
    var ordinal: Int {
        let y = year - 1900
        let leaps = (year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400 - (1899 / 4 - 1899 / 100 + 1899 / 400)
        return y * 365 + leaps + Self.daysBefore[month - 1] + (month > 2 && Self.isLeap(year) ? 1 : 0) + day - 1
    }

    init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    init(ordinal: Int) {
        var y = 1900 + ordinal / 366
        while SimpleDate(year: y + 1, month: 1, day: 1).ordinal <= ordinal { y += 1 }
        var remaining = ordinal - SimpleDate(year: y, month: 1, day: 1).ordinal
        var m = 1
        while m < 12 {
            let length = [31, Self.isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            if remaining < length { break }
            remaining -= length
            m += 1
        }
        self = SimpleDate(year: y, month: m, day: remaining + 1)
    }

    func adding(days: Int) -> SimpleDate { SimpleDate(ordinal: ordinal + days) }

    /// YYYYMMDD (DICOM DA).
    var dicom: String { String(format: "%04d%02d%02d", year, month, day) }

    static func < (a: SimpleDate, b: SimpleDate) -> Bool { a.ordinal < b.ordinal }
}
