import Foundation
import SonoSupport

/// One row of `metrics.csv`: a training step, or an epoch summary with validation loss.
public struct PretrainRecord: Equatable, Sendable {
    public enum Kind: String, Sendable { case step, epoch }
    public var kind: Kind
    public var epoch: Int
    public var step: Int
    public var lossD: Double?
    public var lossF: Double
    public var lossRec: Double?
    public var lossAdv: Double?
    public var validationLossF: Double?
    public var imagesPerSecond: Double?
    /// L_D's real and fake terms (steps: training batch; epochs: validation).
    public var lossDReal: Double?
    public var lossDFake: Double?
    /// D's conditional signal on validation real centres (epoch rows, CE+DCM).
    public var conditionalShare: Double?
    public var conditionalMargin: Double?
    /// ‖∇_enc λ_adv·L_adv‖ and ‖∇_enc λ_rec·L_rec‖ on one fixed validation batch (epoch rows, CE methods).
    public var gradientNormAdversarial: Double?
    public var gradientNormReconstruction: Double?
    /// The DCM head's validation label accuracy (epoch rows, DCM).
    public var labelAccuracy: Double?

    public init(
        kind: Kind, epoch: Int, step: Int, lossD: Double? = nil, lossF: Double, lossRec: Double? = nil,
        lossAdv: Double? = nil, validationLossF: Double? = nil, imagesPerSecond: Double? = nil
    ) {
        self.kind = kind
        self.epoch = epoch
        self.step = step
        self.lossD = lossD
        self.lossF = lossF
        self.lossRec = lossRec
        self.lossAdv = lossAdv
        self.validationLossF = validationLossF
        self.imagesPerSecond = imagesPerSecond
    }

    /// adversarial / (adversarial + reconstruction) of the encoder's gradient norms.
    public var adversarialGradientShare: Double? {
        guard let a = gradientNormAdversarial, let r = gradientNormReconstruction else { return nil }
        return EncoderGradientNorms(adversarial: a, reconstruction: r).adversarialShare
    }

    static let header =
        "kind,epoch,step,loss_d,loss_f,loss_rec,loss_adv,val_loss_f,images_per_s,"
        + "loss_d_real,loss_d_fake,cond_share,cond_margin,grad_norm_adv,grad_norm_rec,adv_grad_share,label_acc"

    var csvLine: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.7g", $0) } ?? "" }
        return [
            kind.rawValue, String(epoch), String(step), f(lossD), f(lossF), f(lossRec), f(lossAdv),
            f(validationLossF), f(imagesPerSecond), f(lossDReal), f(lossDFake), f(conditionalShare), f(conditionalMargin),
            f(gradientNormAdversarial), f(gradientNormReconstruction), f(adversarialGradientShare),
            f(labelAccuracy)
        ].joined(separator: ",")
    }
}

/// Appends rows to `RUN_DIR/metrics.csv`, flushing each line so a crash loses at most one row.
public final class PretrainMetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens the log. When resuming after `keepingEpochsThrough`, rows of later (unfinished)
    /// epochs are dropped so the file reads as if the run had never stopped; a mid-epoch
    /// checkpoint also keeps the step rows through its global step `keepingStepsThrough`.
    public init(url: URL, keepingEpochsThrough lastEpoch: Int? = nil, keepingStepsThrough lastStep: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        var lines = [PretrainRecord.header]
        if let lastEpoch, let old = try? String(contentsOf: url, encoding: .utf8) {
            for line in old.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count > 2, let e = Int(fields[1]) else { continue }
                let trainedStep = fields[0] == PretrainRecord.Kind.step.rawValue && (Int(fields[2]).map { $0 <= lastStep ?? 0 } ?? false)
                if e <= lastEpoch || trainedStep { lines.append(String(line)) }
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        do {
            try AtomicFile.write(text, to: url)
        } catch {
            throw PretrainError.io(path: url.path, reason: error.localizedDescription)
        }
        guard fm.isWritableFile(atPath: url.path), let h = FileHandle(forWritingAtPath: url.path) else {
            throw PretrainError.io(path: url.path, reason: "cannot open for appending")
        }
        handle = h
        handle.seekToEndOfFile()
    }

    /// The epoch rows of a metrics.csv as column → value (empty cells left out); [] when unreadable.
    public static func readEpochs(_ url: URL) -> [[String: Double]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().filter { $0.first == PretrainRecord.Kind.epoch.rawValue }.map { fields in
            var row: [String: Double] = [:]
            for (name, field) in zip(header, fields) { if let v = Double(field) { row[name] = v } }
            return row
        }
    }

    public func append(_ record: PretrainRecord) {
        handle.write(Data((record.csvLine + "\n").utf8))
    }

    deinit { try? handle.close() }
}
