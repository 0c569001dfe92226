import SonoModels
import Torch
import TorchNN

/// Whether the discriminator uses the weak labels at all: on real centres, how often the image's
/// own label vector scores higher than another image's, and by how much.
///
/// If D ignores y (the projection term is tiny next to C_rf), the share sits near 0.5 and the
/// margin near 0, and the label-conditioned path cannot shape the encoder: CE+DCM is then CE
/// with noise. Accumulates over batches.
public struct ConditionalSignal: Equatable, Sendable {
    /// Images compared (those with a differently labelled partner in their batch).
    public private(set) var count = 0
    /// Comparisons where D(x, y) > D(x, y′) strictly.
    public private(set) var wins = 0
    public private(set) var marginSum = 0.0

    public init() {}

    /// Totals gathered elsewhere (a data-parallel group's sums over its members).
    init(count: Int, wins: Int, marginSum: Double) {
        (self.count, self.wins, self.marginSum) = (count, wins, marginSum)
    }

    /// Adds one batch: `trueScores[i]` = D(xᵢ, yᵢ), `shuffledScores[i]` = D(xᵢ, y′ᵢ), only for the
    /// images that have a partner with other labels.
    public mutating func add(trueScores: [Double], shuffledScores: [Double]) {
        for (a, b) in zip(trueScores, shuffledScores) {
            count += 1
            if a > b { wins += 1 }
            marginSum += a - b
        }
    }

    public mutating func add(_ other: ConditionalSignal) {
        count += other.count
        wins += other.wins
        marginSum += other.marginSum
    }

    /// Share of compared images whose true labels score higher; nil when nothing was compared.
    public var share: Double? { count > 0 ? Double(wins) / Double(count) : nil }
    /// Mean D(x, y) − D(x, y′); nil when nothing was compared.
    public var margin: Double? { count > 0 ? marginSum / Double(count) : nil }
}

/// The L2 norms of the encoder's gradient from each weighted term of L_F on one batch.
public struct EncoderGradientNorms: Equatable, Sendable {
    /// ‖∇_enc λ_adv · L_adv‖.
    public var adversarial: Double
    /// ‖∇_enc λ_rec · L_rec‖.
    public var reconstruction: Double

    public init(adversarial: Double, reconstruction: Double) {
        self.adversarial = adversarial
        self.reconstruction = reconstruction
    }

    /// adversarial / (adversarial + reconstruction): 0 means the discriminator never reaches the
    /// encoder, 0.5 that both terms pull equally hard. nil when both are zero.
    public var adversarialShare: Double? {
        let total = adversarial + reconstruction
        return total > 0 ? adversarial / total : nil
    }
}

public enum PretrainDiagnostics {
    /// For each image of a batch (row-major N×K `labels`), the next image after it, cyclically,
    /// whose label vector differs; nil when every other image has the same labels.
    ///
    /// A derangement by label rather than a random shuffle: comparing a label vector with itself
    /// gives a margin of exactly 0 that says nothing about D, and a fixed rule keeps the signal
    /// reproducible without consuming any random stream.
    public static func partners(labels: [Float], labelCount k: Int) -> [Int?] {
        guard k > 0, labels.count % k == 0 else { return [] }
        let n = labels.count / k
        func row(_ i: Int) -> ArraySlice<Float> { labels[(i * k)..<((i + 1) * k)] }
        return (0..<n).map { i in
            (1..<max(n, 1)).lazy.map { (i + $0) % n }.first { row($0) != row(i) }
        }
    }

    /// Share of label entries the DCM head gets right (logit > 0 ⇔ label > 0.5), over all images
    /// and labels of `logits` and `labels` (same length).
    public static func labelAccuracy(logits: [Float], labels: [Float]) -> Double? {
        guard !logits.isEmpty, logits.count == labels.count else { return nil }
        let right = zip(logits, labels).filter { ($0.0 > 0) == ($0.1 > 0.5) }.count
        return Double(right) / Double(logits.count)
    }
}

extension Pretrainer {
    /// D's conditional signal on real centres `truth` with labels `labels` (N×K), in whatever mode
    /// the networks are in. Empty for an unconditional D.
    func conditionalSignal(
        _ discriminator: ProjectionDiscriminator, truth: Tensor, labels: Tensor,
        trueScores: Tensor
    ) throws -> ConditionalSignal {
        var signal = ConditionalSignal()
        guard discriminator.labelCount > 0 else { return signal }
        let y = try labels.to(device: .cpu, dtype: .float32).contiguous().toArray(of: Float.self)
        let partners = PretrainDiagnostics.partners(labels: y, labelCount: discriminator.labelCount)
        let compared = partners.indices.filter { partners[$0] != nil }
        guard !compared.isEmpty else { return signal }
        let index = try Tensor(partners.enumerated().map { Int64($0.element ?? $0.offset) }).to(device: device)
        let shuffled = try discriminator(truth, labels: labels.indexSelect(dim: 0, indices: index))
        let a = try trueScores.to(device: .cpu, dtype: .float64).contiguous().toArray(of: Double.self)
        let b = try shuffled.to(device: .cpu, dtype: .float64).contiguous().toArray(of: Double.self)
        signal.add(trueScores: compared.map { a[$0] }, shuffledScores: compared.map { b[$0] })
        return signal
    }

    /// The norms of the encoder's gradient from λ_adv·L_adv and from λ_rec·L_rec on `batch`,
    /// computed as a training step would (training mode, the current D), with
    /// `torch.autograd.grad` so no `.grad` is touched. Batch-norm running statistics are put back
    /// afterwards: measuring must not change the run. nil for DCM.
    public func encoderGradientNorms(_ batch: PretrainBatch) throws -> EncoderGradientNorms? {
        guard let discriminator else { return nil }
        let modules: [any Module] = [generator, discriminator]
        let saved = try modules.flatMap { $0.namedBuffers().map(\.tensor) }.map { ($0, try $0.clone()) }
        let wasTraining = (generator.isTraining, discriminator.isTraining)
        defer {
            try? withNoGrad { for (live, copy) in saved { try live.copy(from: copy) } }
            generator.train(wasTraining.0)
            discriminator.train(wasTraining.1)
        }
        generator.train()
        discriminator.train()
        return try withGradEnabled(true) {
            let images = try batch.images.to(device: device)
            let labels = try batch.labels.to(device: device, dtype: .float32)
            let (masked, truth) = try mask.apply(to: images, fill: config.maskFill)
            let prediction = try generator(masked)
            let f = try PretrainLosses.contextEncoder(
                fakeScores: discriminator(prediction, labels: discriminator.labelCount > 0 ? labels : nil),
                prediction: prediction, truth: truth,
                lambdaRec: config.lambdaRec, lambdaAdv: config.lambdaAdv)
            let parameters = encoder.parameters().filter(\.requiresGrad)
            func norm(_ loss: Tensor, retain: Bool) throws -> Double {
                let grads = try Tensor.gradients(of: [loss], withRespectTo: parameters, retainGraph: retain, allowUnused: true)
                return try withNoGrad {
                    try grads.compactMap { $0 }.reduce(0.0) { $0 + (try $1.to(dtype: .float64).squared().sum().item()) }.squareRoot()
                }
            }
            let adversarial = try f.adversarial.map { try norm($0 * config.lambdaAdv, retain: true) } ?? 0
            let reconstruction = try norm(f.reconstruction * config.lambdaRec, retain: false)
            return EncoderGradientNorms(adversarial: adversarial, reconstruction: reconstruction)
        }
    }
}
