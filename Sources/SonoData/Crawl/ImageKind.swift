/// What an ultrasound instance shows, decided by the crawl: pretraining on colour boxes,
/// Doppler strips or report pages would teach the encoder those instead of tissue.
public enum ImageKind: String, CaseIterable, Codable, Sendable {
    /// One 2D grey-scale tissue image.
    case bmode
    /// A 2D image with a colour-flow (or power Doppler) overlay.
    case colourFlow = "colour_flow"
    /// A spectral (PW/CW) Doppler strip, alone or below a 2D image.
    case spectralDoppler = "spectral_doppler"
    /// An M-mode (motion) strip.
    case mMode = "m_mode"
    /// Several 2D tissue views side by side (dual/quad view).
    case multiView = "multi_view"
    /// A report page, measurement screen or other secondary capture: no tissue region, mostly
    /// text and graphics.
    case secondaryCapture = "secondary_capture"
    /// Not an ultrasound image, or its pixels could not be sampled.
    case unknown

    /// What pretraining uses unless told otherwise.
    public static let pretrainingDefault: [ImageKind] = [.bmode]

    /// A list of kinds: comma-separated kind names, or `all`.
    public static func parseList(_ text: String) throws -> [ImageKind] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["all"] { return allCases }
        guard !names.isEmpty else { throw ListError(description: "no image kind given (\(Self.vocabulary))") }
        var kinds: [ImageKind] = []
        for name in names {
            guard let kind = ImageKind(rawValue: name) else {
                throw ListError(description: "unknown image kind '\(name)' (\(Self.vocabulary))")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }

    /// A kind list that names no kind, or an unknown one.
    public struct ListError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// A filter for the manifest queries: nil when every kind is asked for, so that rows indexed
    /// before image kinds existed are kept too.
    public static func filter(_ kinds: [ImageKind]) -> [ImageKind]? {
        Set(kinds).count == allCases.count ? nil : kinds
    }

    /// The accepted names, for help and errors.
    public static var vocabulary: String { allCases.map(\.rawValue).joined(separator: ", ") + ", or all" }

    /// `bmode,colour_flow` as the options take it.
    public static func listText(_ kinds: [ImageKind]) -> String {
        kinds.count == allCases.count ? "all" : kinds.map(\.rawValue).joined(separator: ",")
    }
}
