import Foundation
import SonoData
import SonoModels
import Torch
import Yams

/// Every setting of a pretraining run. Defaults are the paper's (DESIGN.md, "The method") except
/// the discriminator's pooling (mean; `RunConfig.paper` has the paper-faithful values);
/// a YAML file may override any subset, and CLI flags override the YAML. The effective
/// configuration is written to `RUN_DIR/config.yaml` and stored in every checkpoint.
///
/// Each setting is declared once, in `Key`: its YAML key (the raw value), the command-line
/// option that sets it (`option`) and its help; the default is the property's initial value.
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
    /// Intra-op threads for libtorch; nil uses every available core (`TrainingThreads`).
    public var threads: Int?
    /// fp32, or bf16 / fp16 autocast with float32 weights, Adam state and checkpoints.
    public var precision: Precision = .fp32
    /// Batch-norm statistics over all processes' batches in data-parallel runs (SyncBatchNorm).
    public var syncBatchNorm = false
    /// Convolution weights and images in channels-last (NHWC) storage order. On by default:
    /// oneDNN (pip libtorch's CPU convolutions) and cuDNN work in NHWC, so NCHW tensors are
    /// reordered around every convolution; `make bench` measured the NHWC step faster at
    /// ResNet-50 in every run, with neither layout ahead in every run at ResNet-18 (README, "Speed").
    public var channelsLast = true
    /// Also checkpoint every N steps inside an epoch (a crash loses at most N steps); nil: at
    /// each epoch's end only.
    public var checkpointEvery: Int?
    /// Train/validation split names in the cohort database.
    public var trainSplit: SplitName = .train
    public var validationSplit: SplitName = .val

    public init() {}

    /// The settings' YAML keys (snake_case), in the order `config.yaml` lists them.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case method, backbone, height, width
        case batchSize = "batch_size"
        case epochs
        case learningRateF = "lr"
        case learningRateD = "lr_d"
        case beta1, beta2
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
        case seed
        case gridImages = "grid_images"
        case device
        case trainSplit = "train_split"
        case validationSplit = "val_split"
        case maxImages = "max_images"
        case initialWeights = "initial_weights"
        case threads
        case precision
        case syncBatchNorm = "sync_batchnorm"
        case channelsLast = "channels_last"
        case checkpointEvery = "checkpoint_every"

        /// The `sonotag pretrain` option (without dashes) that sets this key: the key with `_`
        /// written `-`, except the image size, which one `--size HxW` sets; nil where only
        /// `--config` sets it.
        public var option: String? {
            switch self {
            case .height, .width: return "size"
            case .beta1, .beta2, .adamEpsilon, .weightDecay, .maskFill, .decoderWidths, .discriminatorWidths,
                .discriminatorPooling, .discriminatorNormalization, .discriminatorSteps, .gridImages, .trainSplit, .validationSplit:
                return nil
            default: return rawValue.replacingOccurrences(of: "_", with: "-")
            }
        }

        /// What the setting means; the option's help and the config keys' documentation.
        public var help: String {
            let d = RunConfig.defaults
            switch self {
            case .method: return "ce+dcm | ce | dcm (default \(d.method.rawValue))."
            case .backbone: return "\(Backbone.allCases.map(\.rawValue).joined(separator: " | ")) (default \(d.backbone.rawValue))."
            case .height, .width: return "Image size HxW, both multiples of 32 (paper: \(d.height)x\(d.width))."
            case .batchSize: return "Batch size (paper: \(d.batchSize))."
            case .epochs: return "Epochs (paper: \(d.epochs)); with --resume, a higher number extends the run."
            case .learningRateF: return "Learning rate of the context encoder F (paper: \(d.learningRateF))."
            case .learningRateD: return "Learning rate of the discriminator D (paper: \(d.learningRateD))."
            case .beta1, .beta2: return "Adam betas (default \(d.beta1), \(d.beta2))."
            case .adamEpsilon: return "Adam epsilon (default \(d.adamEpsilon))."
            case .weightDecay: return "Adam weight decay (default \(d.weightDecay))."
            case .lambdaRec: return "Weight of the reconstruction loss (default \(d.lambdaRec))."
            case .lambdaAdv: return "Weight of the adversarial loss (default \(d.lambdaAdv))."
            case .maskOverlap: return "Pixels of true centre left visible around the hole (default \(d.maskOverlap))."
            case .maskFill: return "Value written into the hole (default \(d.maskFill), the mean after z-scoring)."
            case .decoderWidths: return "Channels of the four decoder blocks (default \(d.decoderWidths))."
            case .discriminatorWidths: return "Channels of the four discriminator blocks (default \(d.discriminatorWidths))."
            case .discriminatorPooling: return "sum | mean (default \(d.discriminatorPooling.rawValue))."
            case .discriminatorNormalization:
                return
                    "batch | spectral: batch norm (the paper) or spectral normalisation (Miyato & Koyama) in D (default \(d.discriminatorNormalization.rawValue))."
            case .discriminatorSteps: return "D updates per F update, on the same batch (default \(d.discriminatorSteps))."
            case .seed: return "Random seed: weights, data order, augmentation (default \(d.seed))."
            case .gridImages: return "Images in the per-epoch in-painting grid (default \(d.gridImages))."
            case .device: return "cpu or cuda[:n] (default \(d.device))."
            case .trainSplit, .validationSplit:
                return "Split names for training and validation (default \(d.trainSplit.rawValue), \(d.validationSplit.rawValue))."
            case .maxImages: return "Use at most this many training images per epoch."
            case .initialWeights: return "Initial encoder weights (torchvision names, e.g. ImageNet)."
            case .threads: return "libtorch intra-op threads (default: every core this process may use, or OMP_NUM_THREADS)."
            case .precision:
                return
                    "\(Precision.allCases.map(\.rawValue).joined(separator: " | ")): autocast; weights, Adam state and checkpoints stay fp32; fp16 needs CUDA (default \(d.precision.rawValue))."
            case .syncBatchNorm:
                return "Batch-norm statistics over all processes' batches in data-parallel runs (default \(d.syncBatchNorm))."
            case .channelsLast:
                return
                    "Store convolution weights and images channels-last (NHWC), the layout cuDNN's tensor cores and oneDNN prefer; results equal within float rounding (default \(d.channelsLast); --no-channels-last for NCHW)."
            case .checkpointEvery:
                return "Also write checkpoints/last.safetensors every N steps, mid-epoch (default: at each epoch's end only)."
            }
        }

        /// Settings a resumed run may change: where and how fast it runs, not what it computes
        /// (epochs may also rise, to extend a run). Precision and shared batch statistics count
        /// as "how": weights and Adam state stay float32 and the schedule (global batch, data
        /// order) is untouched, so a run may switch them, as it may its number of processes.
        public var changesOnResume: Bool {
            switch self {
            case .device, .threads, .precision, .syncBatchNorm, .channelsLast, .checkpointEvery: return true
            default: return false
            }
        }
    }
    public typealias Key = CodingKeys

    /// Keys earlier versions wrote, still read (config files and checkpoints of older runs).
    static let legacyKeys: [String: Key] = ["lr_f": .learningRateF]

    private struct LegacyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
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
        let legacy = try decoder.container(keyedBy: LegacyKey.self)
        learningRateF =
            try c.decodeIfPresent(Double.self, forKey: .learningRateF)
            ?? legacy.decodeIfPresent(Double.self, forKey: LegacyKey(stringValue: "lr_f")) ?? d.learningRateF
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
        discriminatorNormalization =
            try c.decodeIfPresent(DiscriminatorNormalization.self, forKey: .discriminatorNormalization)
            ?? d.discriminatorNormalization
        discriminatorSteps = try c.decodeIfPresent(Int.self, forKey: .discriminatorSteps) ?? d.discriminatorSteps
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        maxImages = try c.decodeIfPresent(Int.self, forKey: .maxImages) ?? d.maxImages
        gridImages = try c.decodeIfPresent(Int.self, forKey: .gridImages) ?? d.gridImages
        initialWeights = try c.decodeIfPresent(String.self, forKey: .initialWeights) ?? d.initialWeights
        device = try c.decodeIfPresent(String.self, forKey: .device) ?? d.device
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        trainSplit = try c.decodeIfPresent(SplitName.self, forKey: .trainSplit) ?? d.trainSplit
        validationSplit = try c.decodeIfPresent(SplitName.self, forKey: .validationSplit) ?? d.validationSplit
        precision = try c.decodeIfPresent(Precision.self, forKey: .precision) ?? d.precision
        syncBatchNorm = try c.decodeIfPresent(Bool.self, forKey: .syncBatchNorm) ?? d.syncBatchNorm
        channelsLast = try c.decodeIfPresent(Bool.self, forKey: .channelsLast) ?? d.channelsLast
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? d.checkpointEvery
    }

    public static let defaults = RunConfig()

    static let baseKey = CodingUserInfoKey(rawValue: "sonotag.runconfig.base")!

    /// Parses YAML holding any subset of the keys, the others taken from `base`; unknown keys are
    /// an error (a typo must not silently fall back to a default).
    public static func fromYAML(_ text: String, source: String = "config", base: RunConfig = .defaults) throws -> RunConfig {
        try parse(text, source: source, base: base).config
    }

    /// The configuration a YAML text describes (keys it leaves out taken from `base`), and the
    /// keys it sets (the settings it asks for explicitly, as against defaults).
    public static func parse(_ text: String, source: String = "config", base: RunConfig = .defaults) throws -> (
        config: RunConfig, keys: Set<Key>
    ) {
        // YAMLConfig's errors say where (file:line:column) and list the known keys.
        guard
            let node = try YAMLConfig.settingsMapping(
                text, known: Key.allCases.map(\.rawValue), accepted: Set(legacyKeys.keys),
                file: source)
        else { return (base, []) }
        let names = (node.mapping.map { Array($0) } ?? []).compactMap { $0.key.string }
        let keys = Set(names.compactMap { Key(rawValue: $0) ?? legacyKeys[$0] })
        do { return (try YAMLDecoder().decode(RunConfig.self, from: node, userInfo: [baseKey: base]), keys) } catch let error
            as DecodingError
        {
            throw YAMLConfig.describe(error, in: node, file: source)
        }
    }

    public static func load(from url: URL, base: RunConfig = .defaults) throws -> RunConfig {
        try loadWithKeys(from: url, base: base).config
    }

    /// `load`, with the keys the file sets.
    public static func loadWithKeys(from url: URL, base: RunConfig = .defaults) throws -> (config: RunConfig, keys: Set<Key>) {
        let text: String
        // Said in words: Foundation's own message is "The operation could not be completed".
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunConfigError.unreadable(path: url.path, reason: "no such file")
        }
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunConfigError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try parse(text, source: url.path, base: base)
    }

    /// The configuration as YAML, one `key: value` line per setting in `Key` order, numbers in
    /// their shortest exact form (1e-05, 0.999), so the file reads like what a person would write.
    /// Unset optional settings are left out.
    public func yaml() throws -> String {
        Key.allCases.compactMap { key in value(of: key).map { "\(key.rawValue): \($0)" } }.joined(separator: "\n") + "\n"
    }

    /// One setting as its YAML value text (nil when an optional setting is unset); two configs
    /// agree on a setting exactly when these texts are equal.
    public func value(of key: Key) -> String? {
        func list(_ v: [Int]) -> String { "[" + v.map(String.init).joined(separator: ", ") + "]" }
        func text(_ v: String) -> String {
            // Double-quoted YAML scalar with JSON escapes, which YAML accepts.
            let data = (try? JSONEncoder().encode(v)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        switch key {
        case .method: return method.rawValue
        case .backbone: return backbone.rawValue
        case .height: return "\(height)"
        case .width: return "\(width)"
        case .batchSize: return "\(batchSize)"
        case .epochs: return "\(epochs)"
        case .learningRateF: return "\(learningRateF)"
        case .learningRateD: return "\(learningRateD)"
        case .beta1: return "\(beta1)"
        case .beta2: return "\(beta2)"
        case .adamEpsilon: return "\(adamEpsilon)"
        case .weightDecay: return "\(weightDecay)"
        case .lambdaRec: return "\(lambdaRec)"
        case .lambdaAdv: return "\(lambdaAdv)"
        case .maskOverlap: return "\(maskOverlap)"
        case .maskFill: return "\(maskFill)"
        case .decoderWidths: return list(decoderWidths)
        case .discriminatorWidths: return list(discriminatorWidths)
        case .discriminatorPooling: return discriminatorPooling.rawValue
        case .discriminatorNormalization: return discriminatorNormalization.rawValue
        case .discriminatorSteps: return "\(discriminatorSteps)"
        case .seed: return "\(seed)"
        case .gridImages: return "\(gridImages)"
        case .device: return text(device)
        case .trainSplit: return text(trainSplit.rawValue)
        case .validationSplit: return text(validationSplit.rawValue)
        case .maxImages: return maxImages.map { "\($0)" }
        case .initialWeights: return initialWeights.map(text)
        case .threads: return threads.map { "\($0)" }
        case .precision: return precision.rawValue
        case .syncBatchNorm: return "\(syncBatchNorm)"
        case .channelsLast: return "\(channelsLast)"
        case .checkpointEvery: return checkpointEvery.map { "\($0)" }
        }
    }

    /// The settings among `keys` on which `other` differs from this configuration, in key order.
    public func differences(from other: RunConfig, among keys: some Sequence<Key> = Key.allCases) -> [SettingDifference] {
        let wanted = Set(keys)
        return Key.allCases.filter { wanted.contains($0) && value(of: $0) != other.value(of: $0) }.map {
            SettingDifference(key: $0.rawValue, recorded: value(of: $0) ?? "(unset)", requested: other.value(of: $0) ?? "(unset)")
        }
    }

    /// Checks ranges and the geometry the networks need; the message names the offending key.
    public func validate() throws {
        func fail(_ key: CodingKeys, _ why: String) -> RunConfigError { .invalidValue(source: key.rawValue, reason: why) }
        guard height > 0, height % 32 == 0 else {
            throw fail(.height, "\(height) must be a positive multiple of 32 (output stride 32, four x2 decoder blocks)")
        }
        guard width > 0, width % 32 == 0 else { throw fail(.width, "\(width) must be a positive multiple of 32") }
        guard batchSize >= 2 else { throw fail(.batchSize, "\(batchSize) must be at least 2 (batch norm in training mode)") }
        guard epochs >= 1 else { throw fail(.epochs, "\(epochs) must be at least 1") }
        guard learningRateF > 0, learningRateF.isFinite else { throw fail(.learningRateF, "\(learningRateF) must be positive") }
        guard learningRateD > 0, learningRateD.isFinite else { throw fail(.learningRateD, "\(learningRateD) must be positive") }
        guard (0..<1).contains(beta1) else { throw fail(.beta1, "\(beta1) must be in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw fail(.beta2, "\(beta2) must be in [0, 1)") }
        guard adamEpsilon > 0 else { throw fail(.adamEpsilon, "must be positive") }
        guard weightDecay >= 0 else { throw fail(.weightDecay, "must not be negative") }
        guard lambdaRec >= 0, lambdaAdv >= 0, lambdaRec + lambdaAdv > 0 else {
            throw fail(.lambdaRec, "lambda_rec and lambda_adv must be >= 0 and not both 0")
        }
        guard decoderWidths.count == 4, decoderWidths.allSatisfy({ $0 > 0 }) else {
            throw fail(.decoderWidths, "needs four positive widths (four up-convolution blocks)")
        }
        guard discriminatorWidths.count == 4, discriminatorWidths.allSatisfy({ $0 > 0 }) else {
            throw fail(.discriminatorWidths, "needs four positive widths (four conv blocks)")
        }
        guard maxImages.map({ $0 >= 2 }) ?? true else { throw fail(.maxImages, "must be at least 2") }
        guard (1...10).contains(discriminatorSteps) else {
            throw fail(.discriminatorSteps, "\(discriminatorSteps) must be between 1 and 10")
        }
        guard gridImages >= 0 else { throw fail(.gridImages, "must not be negative") }
        guard threads.map({ $0 >= 1 }) ?? true else { throw fail(.threads, "must be at least 1") }
        guard checkpointEvery.map({ $0 >= 1 }) ?? true else { throw fail(.checkpointEvery, "must be at least 1 step") }
        do { _ = try CentreMask(height: height, width: width, overlap: maskOverlap) } catch {
            throw fail(.maskOverlap, "\(error)")
        }
    }
}

public enum RunConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidValue(source: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "cannot read config \(p): \(r)"
        case .invalidValue(let s, let r): return "\(s): \(r)"
        }
    }
}

/// One setting on which a recorded run and a request disagree, as YAML value texts.
public struct SettingDifference: Equatable, Sendable, CustomStringConvertible {
    /// The setting's YAML key (`batch_size`).
    public var key: String
    public var recorded: String
    public var requested: String

    public init(key: String, recorded: String, requested: String) {
        self.key = key
        self.recorded = recorded
        self.requested = requested
    }

    public var description: String { "\(key) is \(recorded) in the recorded run, \(requested) now" }
}
