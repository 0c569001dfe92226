import Foundation
import SonoModels
import Torch
import TorchNN

/// Loss values of one training step (or of a validation pass), as plain numbers.
public struct PretrainLossValues: Equatable, Sendable {
    /// The discriminator's hinge loss L_D (nil for the DCM method).
    public var discriminator: Double?
    /// L_F: the context encoder's weighted loss, or the DCM method's BCE.
    public var generator: Double
    public var reconstruction: Double?
    public var adversarial: Double?
    /// L_D's term on real centres, E[relu(1 − D(x, y))].
    public var discriminatorReal: Double?
    /// L_D's term on predicted centres, E[relu(1 + D(F(x̂), y))].
    public var discriminatorFake: Double?
    /// D's conditional signal on real centres (validation passes of CE+DCM only).
    public var conditional: ConditionalSignal?
    /// Share of label entries the DCM head predicts right (validation passes of DCM only).
    public var labelAccuracy: Double?
}

/// The networks and optimizers of one pretraining run, and its two update steps.
///
/// F is the trained encoder with its decoder (CE, CE+DCM) or its label head (DCM); D is the
/// projection discriminator (conditioned on y for CE+DCM, unconditional for CE; absent for DCM).
public final class Pretrainer {
    public let config: RunConfig
    public let labelCount: Int
    public let device: Device
    public let generator: any Layer
    public let discriminator: ProjectionDiscriminator?
    public let optimizerF: Adam
    public let optimizerD: Adam?
    public let mask: CentreMask
    /// The data-parallel group this replica belongs to (nil: one process).
    public let group: ProcessGroup?
    /// All-reduce F's and D's gradients during their backward passes (data parallel only).
    let reducerF: GradientReducer?
    let reducerD: GradientReducer?
    /// Loss scaling of F's and D's steps (active for fp16 only).
    public let scalerF: GradientScaler
    public let scalerD: GradientScaler

    /// The backbone inside F, under torchvision names (what `sonotag export` writes).
    public let encoder: any FeatureExtractor

    /// The F step computes no gradients for D's weights (an idiomatic PyTorch loop does, then
    /// discards them). Off only to measure what that saves (`make bench`).
    public var freezesDiscriminatorInFStep = true

    /// Builds freshly initialised networks. libtorch's generator is seeded from `config.seed`
    /// first, so the same config always starts from the same weights. In a data-parallel `group`
    /// every replica then takes rank 0's weights, averages its gradients over the group before
    /// each step and, with `config.syncBatchNorm`, normalises over the group's whole batch.
    public init(config: RunConfig, labelCount: Int, group: ProcessGroup? = nil) throws {
        try config.validate()
        guard labelCount > 0 || config.method == .ce else {
            throw PretrainError.invalidBatch(reason: "method \(config.method.rawValue) needs at least one label, the data has none")
        }
        self.config = config
        self.labelCount = labelCount
        device = try Device(parsing: config.device)
        try config.precision.validate(on: device)
        self.group = group
        scalerF = GradientScaler(enabled: config.precision == .fp16)
        scalerD = GradientScaler(enabled: config.precision == .fp16)
        mask = try CentreMask(height: config.height, width: config.width, overlap: config.maskOverlap)
        try TorchRuntime.manualSeed(config.seed)
        if config.method.usesContextEncoder {
            generator = try ContextEncoder(backbone: config.backbone, decoderWidths: config.decoderWidths)
            discriminator = try ProjectionDiscriminator(
                labelCount: config.method.conditionsOnLabels ? labelCount : 0,
                widths: config.discriminatorWidths,
                pooling: config.discriminatorPooling,
                normalization: config.discriminatorNormalization)
        } else {
            generator = try LabelPredictor(backbone: config.backbone, labelCount: labelCount)
            discriminator = nil
        }
        encoder = try encoderOf(generator)
        if let path = config.initialWeights {
            // E.g. ImageNet weights converted to safetensors (the classifier is ignored).
            try EncoderWeights.load(URL(fileURLWithPath: path), into: encoder)
        }
        try generator.move(to: device)
        try discriminator?.move(to: device)
        if config.channelsLast {
            try generator.convertToChannelsLast()
            try discriminator?.convertToChannelsLast()
        }
        if let group, group.worldSize > 1 {
            try group.broadcastState(of: generator)
            if let discriminator { try group.broadcastState(of: discriminator) }
            if config.syncBatchNorm {
                generator.synchronizeBatchNorm(over: group)
                discriminator?.synchronizeBatchNorm(over: group)
            }
        }
        optimizerF = try Adam(
            parameters: generator.namedParameters(), learningRate: config.learningRateF,
            betas: (config.beta1, config.beta2), eps: config.adamEpsilon, weightDecay: config.weightDecay)
        optimizerD = try discriminator.map {
            try Adam(
                parameters: $0.namedParameters(), learningRate: config.learningRateD,
                betas: (config.beta1, config.beta2), eps: config.adamEpsilon, weightDecay: config.weightDecay)
        }
        if let group, group.worldSize > 1 {
            reducerF = try GradientReducer(group: group, parameters: generator.parameters())
            reducerD = try discriminator.map { try GradientReducer(group: group, parameters: $0.parameters()) }
        } else {
            reducerF = nil
            reducerD = nil
        }
    }

    /// One update: for the context encoder methods, a D step on real and (detached) predicted
    /// centres, then an F step against the updated D; for DCM, one F step on the BCE.
    /// Throws `PretrainError.diverged` before applying a non-finite update.
    public func trainStep(_ batch: PretrainBatch, epoch: Int = 0, step: Int = 0) throws -> PretrainLossValues {
        let images = try config.channelsLast ? batch.images.to(device: device).contiguousChannelsLast() : batch.images.to(device: device)
        // Labels follow the images' floating type (float32 in training; float64 in tests).
        let labels = try batch.labels.to(device: device, dtype: images.dtype)
        generator.train()
        discriminator?.train()
        guard let discriminator, let optimizerD else {
            try optimizerF.zeroGrad()
            let logits = try compute { try generator(images) }
            let loss = try PretrainLosses.labelPrediction(logits: logits, labels: labels)
            let value = try finite(loss, "L_F (BCE)", epoch, step)
            try backward(scalerF.scaled(loss), reducing: reducerF)
            try scalerF.step(optimizerF)
            return PretrainLossValues(discriminator: nil, generator: value)
        }
        let (masked, truth) = try mask.apply(to: images, fill: config.maskFill)
        let y: Tensor? = discriminator.labelCount > 0 ? labels : nil
        let prediction = try compute { try generator(masked) }
        // `d_steps` D updates on this batch's real and (detached) predicted centres, then one F step.
        var valueD = (total: 0.0, real: 0.0, fake: 0.0)
        for _ in 0..<config.discriminatorSteps {
            valueD = try updateDiscriminator(
                discriminator, optimizerD, prediction: prediction, truth: truth, labels: y,
                epoch: epoch, step: step)
        }
        var values = try updateGenerator(discriminator, prediction: prediction, truth: truth, labels: y, epoch: epoch, step: step)
        values.discriminator = valueD.total
        values.discriminatorReal = valueD.real
        values.discriminatorFake = valueD.fake
        return values
    }

    /// The D step: hinge loss on the true centres and the detached predictions; only D moves.
    /// Returns L_D and its real and fake terms, before the update.
    @discardableResult
    func updateDiscriminator(
        _ discriminator: ProjectionDiscriminator, _ optimizerD: Adam, prediction: Tensor, truth: Tensor,
        labels y: Tensor?, epoch: Int, step: Int
    ) throws -> (total: Double, real: Double, fake: Double) {
        try optimizerD.zeroGrad()
        let real = try compute { try discriminator(truth, labels: y) }
        let fake = try compute { try discriminator(prediction.detached(), labels: y) }
        let terms = try PretrainLosses.discriminatorHingeTerms(realScores: real, fakeScores: fake)
        let lossD = try terms.real + terms.fake
        let valueD = try finite(lossD, "L_D", epoch, step)
        try backward(scalerD.scaled(lossD), reducing: reducerD)
        try scalerD.step(optimizerD)
        // The terms, like L_D itself, are reported over the group's whole batch.
        let parts = try groupMean([try terms.real.item(), try terms.fake.item()])
        return (valueD, parts[0], parts[1])
    }

    /// The F step against the current D. D's weights are constants here: no gradients are
    /// computed for them at all, so D's step and F's step touch disjoint parameters.
    func updateGenerator(
        _ discriminator: ProjectionDiscriminator, prediction: Tensor, truth: Tensor, labels y: Tensor?,
        epoch: Int, step: Int
    ) throws -> PretrainLossValues {
        if freezesDiscriminatorInFStep {
            try setTrainable(discriminator, false)
        }
        defer { if freezesDiscriminatorInFStep { try? setTrainable(discriminator, true) } }
        try optimizerF.zeroGrad()
        let fake = try compute { try discriminator(prediction, labels: y) }
        let f = try PretrainLosses.contextEncoder(
            fakeScores: fake, prediction: prediction,
            truth: truth, lambdaRec: config.lambdaRec, lambdaAdv: config.lambdaAdv)
        let valueF = try finite(f.total, "L_F", epoch, step)
        try backward(scalerF.scaled(f.total), reducing: reducerF)
        try scalerF.step(optimizerF)
        let terms = try groupMean([try f.reconstruction.item()] + (f.adversarial.map { [try $0.item()] } ?? []))
        return PretrainLossValues(
            discriminator: nil, generator: valueF, reconstruction: terms[0],
            adversarial: terms.count > 1 ? terms[1] : nil)
    }

    /// L_F (and its terms) on one batch in evaluation mode, without gradients.
    public func evaluate(_ batch: PretrainBatch) throws -> PretrainLossValues {
        try withNoGrad {
            let images = try batch.images.to(device: device)
            let labels = try batch.labels.to(device: device, dtype: .float32)
            return try withEvaluation {
                guard let discriminator else {
                    let logits = try generator(images)
                    let loss = try PretrainLosses.labelPrediction(logits: logits, labels: labels)
                    var values = PretrainLossValues(discriminator: nil, generator: try loss.item())
                    values.labelAccuracy = PretrainDiagnostics.labelAccuracy(
                        logits: try logits.to(device: .cpu).contiguous().toArray(of: Float.self),
                        labels: try labels.to(device: .cpu).contiguous().toArray(of: Float.self))
                    return values
                }
                let (masked, truth) = try mask.apply(to: images, fill: config.maskFill)
                let y: Tensor? = discriminator.labelCount > 0 ? labels : nil
                let prediction = try generator(masked)
                let fakeScores = try discriminator(prediction, labels: y)
                let realScores = try discriminator(truth, labels: y)
                let terms = try PretrainLosses.discriminatorHingeTerms(realScores: realScores, fakeScores: fakeScores)
                let f = try PretrainLosses.contextEncoder(
                    fakeScores: fakeScores, prediction: prediction, truth: truth,
                    lambdaRec: config.lambdaRec, lambdaAdv: config.lambdaAdv)
                var values = PretrainLossValues(
                    discriminator: try (terms.real + terms.fake).item(), generator: try f.total.item(),
                    reconstruction: try f.reconstruction.item(), adversarial: try f.adversarial?.item())
                values.discriminatorReal = try terms.real.item()
                values.discriminatorFake = try terms.fake.item()
                if discriminator.labelCount > 0 {
                    values.conditional = try conditionalSignal(discriminator, truth: truth, labels: labels, trueScores: realScores)
                }
                return values
            }
        }
    }

    /// Masked inputs and in-painted centres for the grid figure (evaluation mode, no grad).
    public func inpaint(_ images: Tensor) throws -> (masked: Tensor, prediction: Tensor, truth: Tensor)? {
        guard generator is ContextEncoder else { return nil }
        return try withNoGrad {
            try withEvaluation {
                let x = try images.to(device: device)
                let (masked, truth) = try mask.apply(to: x, fill: config.maskFill)
                return (masked, try generator(masked), truth)
            }
        }
    }

    private func withEvaluation<R>(_ body: () throws -> R) throws -> R {
        try generator.withEvaluationMode {
            if let discriminator { return try discriminator.withEvaluationMode(body) }
            return try body()
        }
    }

    /// The loss's value over the whole group (the mean of the replicas' batch means, which is the
    /// mean over the global batch since shards are equal), so every replica decides alike.
    private func finite(_ loss: Tensor, _ name: String, _ epoch: Int, _ step: Int) throws -> Double {
        let v = try groupMean([try loss.item()])[0]
        // fp16 overflows are the scaler's to handle: it skips the step and lowers the scale.
        guard v.isFinite || config.precision == .fp16 else {
            throw PretrainError.diverged(epoch: epoch, step: step, which: name, lastGoodCheckpoint: nil)
        }
        return v
    }

    func groupMean(_ values: [Double]) throws -> [Double] {
        guard let group, group.worldSize > 1 else { return values }
        return try group.mean(values)
    }

    /// Backward from `loss`; with replicas, their gradients come back averaged over the group,
    /// communicated while backward runs.
    private func backward(_ loss: Tensor, reducing reducer: GradientReducer?) throws {
        guard let reducer else { return try loss.backward() }
        try reducer.reduce { try loss.backward() }
    }

    /// A forward pass in the run's precision; the result is float32, so losses are always float32.
    private func compute(_ body: () throws -> Tensor) throws -> Tensor {
        guard config.precision != .fp32 else { return try body() }
        return try config.precision.run(on: device, body).to(dtype: .float32)
    }

    private func setTrainable(_ module: any Module, _ flag: Bool) throws {
        try BatchedCalls.setRequiresGrad(flag, module.parameters())
    }
}

func encoderOf(_ generator: any Layer) throws -> any FeatureExtractor {
    if let f = generator as? ContextEncoder { return f.encoder }
    if let f = generator as? LabelPredictor { return f.encoder }
    throw PretrainError.checkpoint(path: "<model>", reason: "F has no encoder")
}
