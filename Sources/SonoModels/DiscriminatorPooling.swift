/// How the projection discriminator pools its last feature map into D̃(x).
public enum DiscriminatorPooling: String, Codable, CaseIterable, Sendable {
    /// Sum over positions, as in Miyato & Koyama's reference implementation.
    case sum
    /// Mean over positions: scale-free in the input size.
    case mean
}
