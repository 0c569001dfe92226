/// What the encoder learns during pretraining (the paper's configurations).
public enum PretrainMethod: String, CaseIterable, Codable, Sendable {
    /// Context encoder with the metadata-conditioned projection discriminator: the paper's method.
    case ceDCM = "ce+dcm"
    /// Context encoder with an unconditional discriminator (no metadata).
    case ce
    /// The encoder predicts the DICOM-derived labels directly (BCE), no in-painting.
    case dcm

    public var usesContextEncoder: Bool { self != .dcm }
    public var conditionsOnLabels: Bool { self == .ceDCM }
}
