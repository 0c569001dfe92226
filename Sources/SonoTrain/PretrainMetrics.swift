import Foundation

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

    public init(kind: Kind, epoch: Int, step: Int, lossD: Double? = nil, lossF: Double, lossRec: Double? = nil,
                lossAdv: Double? = nil, validationLossF: Double? = nil, imagesPerSecond: Double? = nil) {
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

    static let header = "kind,epoch,step,loss_d,loss_f,loss_rec,loss_adv,val_loss_f,images_per_s"

    var csvLine: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.7g", $0) } ?? "" }
        return [kind.rawValue, String(epoch), String(step), f(lossD), f(lossF), f(lossRec), f(lossAdv),
                f(validationLossF), f(imagesPerSecond)].joined(separator: ",")
    }
}

/// Appends rows to `RUN_DIR/metrics.csv`, flushing each line so a crash loses at most one row.
public final class PretrainMetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens the log. When resuming after `keepingEpochsThrough`, rows of later (unfinished)
    /// epochs are dropped so the file reads as if the run had never stopped.
    public init(url: URL, keepingEpochsThrough lastEpoch: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        var lines = [PretrainRecord.header]
        if let lastEpoch, let old = try? String(contentsOf: url, encoding: .utf8) {
            for line in old.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count > 1, let e = Int(fields[1]), e <= lastEpoch { lines.append(String(line)) }
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw PretrainError.io(path: url.path, reason: error.localizedDescription)
        }
        guard fm.isWritableFile(atPath: url.path), let h = FileHandle(forWritingAtPath: url.path) else {
            throw PretrainError.io(path: url.path, reason: "cannot open for appending")
        }
        handle = h
        handle.seekToEndOfFile()
    }

    public func append(_ record: PretrainRecord) {
        handle.write(Data((record.csvLine + "\n").utf8))
    }

    deinit { try? handle.close() }
}
