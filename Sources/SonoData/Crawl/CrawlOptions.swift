import Foundation

/// How `sonotag index` crawls.
public struct CrawlOptions: Sendable {
    /// Parallel header readers; all cores by default.
    public var threads: Int
    /// Files per committed transaction: a `kill -9` loses at most this many files' work.
    public var batchSize: Int
    /// Tags stored in the `tags` JSON column, beyond the dedicated columns.
    public var capturedTags: TagSelection
    /// Delete rows of files under the crawled folder that no longer exist.
    public var pruneMissing: Bool
    /// Where the patient key came from, for error messages.
    public var keyPath: String?
    /// Test hook: stop (as if killed) after this many committed batches.
    var stopAfterBatches: Int?

    public init(
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 256,
        capturedTags: TagSelection = .default, pruneMissing: Bool = true
    ) {
        self.threads = max(1, threads)
        self.batchSize = max(1, batchSize)
        self.capturedTags = capturedTags
        self.pruneMissing = pruneMissing
    }
}

/// A snapshot of a crawl in progress.
public struct CrawlProgress: Sendable {
    /// Files found under the folder.
    public var total: Int
    /// Files handled so far (read, or skipped as unchanged).
    public var done: Int
    public var unchanged: Int
    public var elapsed: TimeInterval
    /// Files per second over files actually read (unchanged files are nearly free).
    public var filesPerSecond: Double {
        elapsed > 0 ? Double(done) / elapsed : 0
    }
    /// Seconds left at the current rate, nil before the rate is known.
    public var estimatedRemaining: TimeInterval? {
        let rate = filesPerSecond
        return rate > 0 ? Double(total - done) / rate : nil
    }
}
