/// How the projection discriminator pools its last feature map into D̃(x).
public enum DiscriminatorPooling: String, Codable, CaseIterable, Sendable {
    /// Sum over positions, as in Miyato & Koyama's reference implementation.
    case sum
    /// Mean over positions: scale-free in the input size.
    case mean
}

/// What keeps the projection discriminator's scale in check.
public enum DiscriminatorNormalization: String, Codable, CaseIterable, Sendable {
    /// Batch norm after each convolution, as the paper describes D.
    case batch
    /// Spectral normalisation of every convolution, C_rf and W, without batch norm (Miyato &
    /// Koyama's projection discriminator): D is 1-Lipschitz per layer, so its scores cannot grow
    /// without bound and the hinge loss stays informative.
    case spectral
}
