import Foundation
import SonoModels
import Yams

/// Every setting of a pretraining run. Defaults are the paper's (DESIGN.md, "The method") except
/// the discriminator's pooling (mean; `RunConfig.paper` has the paper-faithful values);
/// a YAML file may override any subset, and CLI flags override the YAML. The effective
/// configuration is written to `RUN_DIR/config.yaml` and stored in every checkpoint.
public struct RunConfig: Codable, Equatable, Sendable {
    public var method: PretrainMethod = .ceDCM
    public var backbone: Backbone = .vgg16bn
    public var height = 256
    public var width = 384
    public var batchSize = 32
    public var epochs = 200
    /// Learning rate of the context encoder F (encoder + decoder, or encoder + DCM head).
    public var learningRateF = 1e-4
    /// Learning rate of the discriminator D.
    public var learningRateD = 1e-5
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var adamEpsilon = 1e-8
    public var weightDecay = 0.0
    public var lambdaRec = 0.999
    public var lambdaAdv = 0.001
    /// Pixels of the true centre left visible around the hole (Pathak's overlap); 0 = paper.
    public var maskOverlap = 0
    /// Value written into the hole: the mean, which is 0 after z-scoring.
    public var maskFill = 0.0
    public var decoderWidths = [256, 128, 64, 32]
    public var discriminatorWidths = [64, 128, 256, 512]
    /// Mean, not the reference code's sum: with sum pooling a discriminator that has not learnt
    /// the labels still drove ~40 % of the encoder's gradient norm at λ_adv 0.001 in the phantom
    /// ablation (README, "Inside the method"); `--preset paper` keeps sum.
    public var discriminatorPooling: DiscriminatorPooling = .mean
    /// Batch norm (the paper) or spectral normalisation (Miyato & Koyama) in D.
    public var discriminatorNormalization: DiscriminatorNormalization = .batch
    /// D updates per F update (on the same batch).
    public var discriminatorSteps = 1
    public var seed: UInt64 = 0
    /// Cap on training images per epoch (quick runs); nil = all.
    public var maxImages: Int?
    /// Images in the per-epoch in-painting grid.
    public var gridImages = 6
    /// Optional torchvision-named safetensors to initialise the encoder (e.g. ImageNet weights).
    public var initialWeights: String?
    public var device = "cpu"
    /// Intra-op threads for libtorch; nil leaves libtorch's default.
    public var threads: Int?
    /// Train/validation split names in the cohort database.
    public var trainSplit = "train"
    public var validationSplit = "val"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, backbone, height, width, epochs, seed, device, threads
        case batchSize = "batch_size"
        case learningRateF = "lr_f"
        case learningRateD = "lr_d"
        case beta1 = "beta1"
        case beta2 = "beta2"
        case adamEpsilon = "adam_eps"
        case weightDecay = "weight_decay"
        case lambdaRec = "lambda_rec"
        case lambdaAdv = "lambda_adv"
        case maskOverlap = "mask_overlap"
        case maskFill = "mask_fill"
        case decoderWidths = "decoder_widths"
        case discriminatorWidths = "discriminator_widths"
        case discriminatorPooling = "discriminator_pooling"
        case discriminatorNormalization = "discriminator_norm"
        case discriminatorSteps = "d_steps"
        case maxImages = "max_images"
        case gridImages = "grid_images"
        case initialWeights = "initial_weights"
        case trainSplit = "train_split"
        case validationSplit = "val_split"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Keys a file leaves out take the preset's values (the defaults unless the caller says).
        let d = decoder.userInfo[RunConfig.baseKey] as? RunConfig ?? RunConfig.defaults
        method = try c.decodeIfPresent(PretrainMethod.self, forKey: .method) ?? d.method
        backbone = try c.decodeIfPresent(Backbone.self, forKey: .backbone) ?? d.backbone
        height = try c.decodeIfPresent(Int.self, forKey: .height) ?? d.height
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        learningRateF = try c.decodeIfPresent(Double.self, forKey: .learningRateF) ?? d.learningRateF
        learningRateD = try c.decodeIfPresent(Double.self, forKey: .learningRateD) ?? d.learningRateD
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? d.beta2
        adamEpsilon = try c.decodeIfPresent(Double.self, forKey: .adamEpsilon) ?? d.adamEpsilon
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        lambdaRec = try c.decodeIfPresent(Double.self, forKey: .lambdaRec) ?? d.lambdaRec
        lambdaAdv = try c.decodeIfPresent(Double.self, forKey: .lambdaAdv) ?? d.lambdaAdv
        maskOverlap = try c.decodeIfPresent(Int.self, forKey: .maskOverlap) ?? d.maskOverlap
        maskFill = try c.decodeIfPresent(Double.self, forKey: .maskFill) ?? d.maskFill
        decoderWidths = try c.decodeIfPresent([Int].self, forKey: .decoderWidths) ?? d.decoderWidths
        discriminatorWidths = try c.decodeIfPresent([Int].self, forKey: .discriminatorWidths) ?? d.discriminatorWidths
        discriminatorPooling = try c.decodeIfPresent(DiscriminatorPooling.self, forKey: .discriminatorPooling) ?? d.discriminatorPooling
        discriminatorNormalization = try c.decodeIfPresent(DiscriminatorNormalization.self, forKey: .discriminatorNormalization)
            ?? d.discriminatorNormalization
        discriminatorSteps = try c.decodeIfPresent(Int.self, forKey: .discriminatorSteps) ?? d.discriminatorSteps
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        maxImages = try c.decodeIfPresent(Int.self, forKey: .maxImages) ?? d.maxImages
        gridImages = try c.decodeIfPresent(Int.self, forKey: .gridImages) ?? d.gridImages
        initialWeights = try c.decodeIfPresent(String.self, forKey: .initialWeights) ?? d.initialWeights
        device = try c.decodeIfPresent(String.self, forKey: .device) ?? d.device
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        trainSplit = try c.decodeIfPresent(String.self, forKey: .trainSplit) ?? d.trainSplit
        validationSplit = try c.decodeIfPresent(String.self, forKey: .validationSplit) ?? d.validationSplit
    }

    public static let defaults = RunConfig()

    static let baseKey = CodingUserInfoKey(rawValue: "sonotag.runconfig.base")!

    /// Parses YAML holding any subset of the keys, the others taken from `base`; unknown keys are
    /// an error (a typo must not silently fall back to a default).
    public static func fromYAML(_ text: String, source: String = "config", base: RunConfig = .defaults) throws -> RunConfig {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw RunConfigError.invalidYAML(source: source, reason: "\(error)")
        }
        if node == nil { return base }
        guard let map = node as? [String: Any] else {
            throw RunConfigError.invalidYAML(source: source, reason: "the top level must be a mapping of keys to values")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = map.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else { throw RunConfigError.unknownKeys(source: source, keys: unknown) }
        do { return try YAMLDecoder().decode(RunConfig.self, from: text, userInfo: [baseKey: base]) } catch let error as DecodingError {
            throw RunConfigError.invalidValue(source: source, reason: Self.describe(error))
        }
    }

    public static func load(from url: URL, base: RunConfig = .defaults) throws -> RunConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunConfigError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try fromYAML(text, source: url.path, base: base)
    }

    /// The configuration as YAML, one `key: value` line per setting in a fixed order, numbers in
    /// their shortest exact form (1e-05, 0.999), so the file reads like what a person would write.
    public func yaml() throws -> String {
        func list(_ v: [Int]) -> String { "[" + v.map(String.init).joined(separator: ", ") + "]" }
        func text(_ v: String) -> String {
            // Double-quoted YAML scalar with JSON escapes, which YAML accepts.
            let data = (try? JSONEncoder().encode(v)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var lines: [(CodingKeys, String)] = [
            (.method, method.rawValue), (.backbone, backbone.rawValue), (.height, "\(height)"), (.width, "\(width)"),
            (.batchSize, "\(batchSize)"), (.epochs, "\(epochs)"), (.learningRateF, "\(learningRateF)"),
            (.learningRateD, "\(learningRateD)"), (.beta1, "\(beta1)"), (.beta2, "\(beta2)"),
            (.adamEpsilon, "\(adamEpsilon)"), (.weightDecay, "\(weightDecay)"), (.lambdaRec, "\(lambdaRec)"),
            (.lambdaAdv, "\(lambdaAdv)"), (.maskOverlap, "\(maskOverlap)"), (.maskFill, "\(maskFill)"),
            (.decoderWidths, list(decoderWidths)), (.discriminatorWidths, list(discriminatorWidths)),
            (.discriminatorPooling, discriminatorPooling.rawValue), (.discriminatorNormalization, discriminatorNormalization.rawValue),
            (.discriminatorSteps, "\(discriminatorSteps)"), (.seed, "\(seed)"), (.gridImages, "\(gridImages)"),
            (.device, text(device)), (.trainSplit, text(trainSplit)), (.validationSplit, text(validationSplit)),
        ]
        if let maxImages { lines.append((.maxImages, "\(maxImages)")) }
        if let initialWeights { lines.append((.initialWeights, text(initialWeights))) }
        if let threads { lines.append((.threads, "\(threads)")) }
        return lines.map { "\($0.0.rawValue): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// Checks ranges and the geometry the networks need; the message names the offending key.
    public func validate() throws {
        func fail(_ key: CodingKeys, _ why: String) -> RunConfigError { .invalidValue(source: key.rawValue, reason: why) }
        guard height > 0, height % 32 == 0 else { throw fail(.height, "\(height) must be a positive multiple of 32 (output stride 32, four x2 decoder blocks)") }
        guard width > 0, width % 32 == 0 else { throw fail(.width, "\(width) must be a positive multiple of 32") }
        guard batchSize >= 2 else { throw fail(.batchSize, "\(batchSize) must be at least 2 (batch norm in training mode)") }
        guard epochs >= 1 else { throw fail(.epochs, "\(epochs) must be at least 1") }
        guard learningRateF > 0, learningRateF.isFinite else { throw fail(.learningRateF, "\(learningRateF) must be positive") }
        guard learningRateD > 0, learningRateD.isFinite else { throw fail(.learningRateD, "\(learningRateD) must be positive") }
        guard (0..<1).contains(beta1) else { throw fail(.beta1, "\(beta1) must be in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw fail(.beta2, "\(beta2) must be in [0, 1)") }
        guard adamEpsilon > 0 else { throw fail(.adamEpsilon, "must be positive") }
        guard weightDecay >= 0 else { throw fail(.weightDecay, "must not be negative") }
        guard lambdaRec >= 0, lambdaAdv >= 0, lambdaRec + lambdaAdv > 0 else { throw fail(.lambdaRec, "lambda_rec and lambda_adv must be >= 0 and not both 0") }
        guard decoderWidths.count == 4, decoderWidths.allSatisfy({ $0 > 0 }) else { throw fail(.decoderWidths, "needs four positive widths (four up-convolution blocks)") }
        guard discriminatorWidths.count == 4, discriminatorWidths.allSatisfy({ $0 > 0 }) else { throw fail(.discriminatorWidths, "needs four positive widths (four conv blocks)") }
        guard maxImages.map({ $0 >= 2 }) ?? true else { throw fail(.maxImages, "must be at least 2") }
        guard (1...10).contains(discriminatorSteps) else { throw fail(.discriminatorSteps, "\(discriminatorSteps) must be between 1 and 10") }
        guard gridImages >= 0 else { throw fail(.gridImages, "must not be negative") }
        guard threads.map({ $0 >= 1 }) ?? true else { throw fail(.threads, "must be at least 1") }
        do { _ = try CentreMask(height: height, width: width, overlap: maskOverlap) } catch {
            throw fail(.maskOverlap, "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .keyNotFound(_, ctx), let .dataCorrupted(ctx):
            let key = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return key.isEmpty ? ctx.debugDescription : "\(key): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

public enum RunConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidYAML(source: String, reason: String)
    case unknownKeys(source: String, keys: [String])
    case invalidValue(source: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "cannot read config \(p): \(r)"
        case let .invalidYAML(s, r): return "\(s): invalid YAML: \(r)"
        case let .unknownKeys(s, k): return "\(s): unknown key(s) \(k.joined(separator: ", ")); known keys: \(RunConfig.CodingKeys.allCases.map(\.rawValue).sorted().joined(separator: ", "))"
        case let .invalidValue(s, r): return "\(s): \(r)"
        }
    }
}
