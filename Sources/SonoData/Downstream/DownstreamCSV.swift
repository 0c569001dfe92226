import Foundation
import SonoSupport

extension CSVTable {
    /// Reads a downstream label file: SonoSupport's CSV rules, plus what hand-written label files
    /// need: header names trimmed, blank lines skipped, short rows padded so column lookups never
    /// trap. Errors are `DownstreamDataError`s naming the file and line.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DownstreamDataError.notFound(url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DownstreamDataError.badRow(csv: url.path, line: 1, reason: "not UTF-8 text")
        }
        var table: CSVTable
        do {
            table = try CSVTable.parse(text, source: url.path)
        } catch let error as CSVError {
            throw DownstreamDataError.badRow(csv: url.path, line: 1, reason: error.reason)
        }
        table.header = table.header.map { $0.trimmingCharacters(in: .whitespaces) }
        table.rows.removeAll { $0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty }
        table.rows = table.paddedRows()
        self = table
    }
}
