/// How vendors name probes, as label rules: the default mapping's way from Transducer Data and
/// Transducer Type to the probe's geometry.
///
/// Probe names put the array type in a letter, before the frequency band or after a leading
/// centre frequency, with vendor-specific separators and suffixes: `L12-5`, `L12_5`, `SL15-4`,
/// `ML6-15-D`, `LA523` (linear); `C5-1`, `SC6-1`, `EC9-4`, `IC5-9-D`, `6C1 HD` (curvilinear);
/// `P4-2`, `S5-1`, `S5_1`, `4V1c`, `M5Sc-D`, `3S` (phased). Anchoring every pattern at the start
/// keeps the other values of a multi-valued Transducer Data (`CompensationLut.Y`, `UNUSED`, a
/// serial number such as `55360`) from matching.
enum TransducerPatterns {
    /// Tried in order on the normalised (upper-case) value; the first match wins.
    static let rules: [LabelMapping.Rule] = [
        // An optional one-letter family prefix, then L (LA: Esaote), then the band.
        .init(pattern: "^[A-Z]?LA?[0-9]", groups: ["linear"]),
        .init(pattern: "^[A-Z]?CA?[0-9]", groups: ["curvilinear"]),
        .init(pattern: "^[A-Z]?P[0-9]", groups: ["phased"]),
        // Philips sector arrays (S5-1, S12-4); SC6-1 has a letter after its S, so it is not one.
        .init(pattern: "^S[0-9]", groups: ["phased"]),
        // Centre frequency first (GE, Philips): 15L4, 6L3, 9L-D, 6C1, 4C-RS, 4V1c, 3S, M5Sc.
        .init(pattern: "^M?[0-9]+(\\.[0-9]+)?L", groups: ["linear"]),
        .init(pattern: "^M?[0-9]+(\\.[0-9]+)?C", groups: ["curvilinear"]),
        .init(pattern: "^M?[0-9]+(\\.[0-9]+)?[PSV]", groups: ["phased"])
    ]

    /// Transducer Type (0018,6031): the defined terms of PS3.3 C.8.5.5 that name an array
    /// geometry, and common vendor spellings. Mechanical, annular and single-crystal probes
    /// (SECTOR_MECH, SECTOR_ANNULAR, SINGLE CRYSTAL, IV_ROT XTAL…) name none and stay unmapped.
    static let types: [String: String] = [
        "LINEAR": "linear", "ENDOCAV LINEAR": "linear",
        "CURVED LINEAR": "curvilinear", "ENDOCAV CLA": "curvilinear", "CURVILINEAR": "curvilinear", "CONVEX": "curvilinear",
        "SECTOR PHASED": "phased", "VECTOR PHASED": "phased", "IV PHASED": "phased", "ENDOCAV PA": "phased",
        "PHASED": "phased", "PHASED ARRAY": "phased"
    ]
}
