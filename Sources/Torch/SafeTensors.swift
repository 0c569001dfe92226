import Foundation
import SonoSupport

/// A malformed, unreadable or unwritable safetensors file. `source` is the path (or "<memory>").
public struct SafeTensorsError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "safetensors \(source): \(reason)" }
    public var errorDescription: String? { description }
}

/// The tensors (in file order) and string metadata of one safetensors file.
public struct SafeTensorsArchive {
    public var tensors: [(name: String, tensor: Tensor)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    public var names: [String] { tensors.map(\.name) }

    /// Name → tensor (names are unique in a valid file).
    public var dictionary: [String: Tensor] {
        Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length, a JSON header mapping names to dtype, shape and byte
/// offsets, then the raw little-endian element bytes. Validation follows the reference
/// implementation: offsets must tile the data section exactly, in order, without gaps or overlap.
public enum SafeTensors {
    /// Header size limit of the reference implementation; larger claims are treated as corrupt.
    public static let maximumHeaderSize = 100_000_000

    static let dtypeNames: [DType: String] = [
        .float32: "F32", .float16: "F16", .bfloat16: "BF16", .float64: "F64",
        .int64: "I64", .int32: "I32", .int16: "I16", .int8: "I8", .uint8: "U8", .bool: "BOOL"
    ]
    static let dtypesByName: [String: DType] = Dictionary(uniqueKeysWithValues: dtypeNames.map { ($1, $0) })

    // MARK: Reading

    private struct TensorInfo {
        let dtype: String
        let shape: [Int]
        let offsets: [Int]
    }

    /// One header value: a tensor entry, the metadata map, or a description of what is wrong with it.
    private enum HeaderValue: Decodable {
        case tensor(TensorInfo)
        case metadata([String: String])
        case invalid(String)

        private enum Keys: String, CodingKey {
            case dtype
            case shape
            case dataOffsets = "data_offsets"
        }

        init(from decoder: Decoder) throws {
            if let map = try? decoder.singleValueContainer().decode([String: String].self) {
                self = .metadata(map)
                return
            }
            guard let container = try? decoder.container(keyedBy: Keys.self) else {
                self = .invalid("is not an object")
                return
            }
            guard let dtype = try? container.decode(String.self, forKey: .dtype) else {
                self = .invalid("has no dtype string")
                return
            }
            guard let shape = try? container.decode([Int].self, forKey: .shape) else {
                self = .invalid("has no integer shape list")
                return
            }
            guard let offsets = try? container.decode([Int].self, forKey: .dataOffsets) else {
                self = .invalid("has no integer data_offsets list")
                return
            }
            self = .tensor(TensorInfo(dtype: dtype, shape: shape, offsets: offsets))
        }
    }

    public static func load(contentsOf url: URL) throws -> SafeTensorsArchive {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError(source: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
        return try decode(data, source: url.path)
    }

    public static func decode(_ data: Data, source: String = "<memory>") throws -> SafeTensorsArchive {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(source: source, reason: reason) }

        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, the header length alone needs 8") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maximumHeaderSize) else {
            throw fail("header length \(headerLength) exceeds the \(maximumHeaderSize)-byte limit")
        }
        guard UInt64(data.count - 8) >= headerLength else {
            throw fail("truncated: header claims \(headerLength) bytes but only \(data.count - 8) follow")
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let headerBytes = data[headerStart..<dataStart]
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("header is not a JSON object") }
        let header: [String: HeaderValue]
        do {
            header = try JSONDecoder().decode([String: HeaderValue].self, from: headerBytes)
        } catch {
            throw fail("header is not a valid JSON object")
        }

        var metadata: [String: String] = [:]
        struct Entry {
            let name: String
            let dtype: DType
            let shape: [Int]
            let begin: Int
            let end: Int
        }
        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard case .metadata(let map) = value else { throw fail("__metadata__ is not an object of strings") }
                metadata = map
                continue
            }
            let info: TensorInfo
            switch value {
            case .tensor(let parsed): info = parsed
            case .metadata: throw fail("entry \"\(name)\" has no integer shape and data_offsets")
            case .invalid(let problem): throw fail("entry \"\(name)\" \(problem)")
            }
            guard let dtype = dtypesByName[info.dtype] else {
                throw fail("entry \"\(name)\" has unsupported dtype \(info.dtype)")
            }
            let shape = info.shape
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("entry \"\(name)\" has a negative size in \(shape)") }
            guard info.offsets.count == 2 else { throw fail("entry \"\(name)\" data_offsets must hold two numbers") }
            let (begin, end) = (info.offsets[0], info.offsets[1])
            guard begin >= 0, end >= begin else { throw fail("entry \"\(name)\" has offsets [\(begin), \(end)] out of order") }
            var elements = 1
            for size in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow else { throw fail("entry \"\(name)\" shape \(shape) overflows") }
                elements = product
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, bytes == end - begin else {
                throw fail("entry \"\(name)\" spans \(end - begin) bytes but \(info.dtype) \(shape) needs \(bytes)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // Offsets must tile [0, data length) exactly: no gaps, no overlap, nothing past the end.
        let dataLength = data.count - 8 - Int(headerLength)
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        for entry in entries {
            if entry.end > dataLength {
                throw fail("entry \"\(entry.name)\" offsets [\(entry.begin), \(entry.end)] run past the end of the \(dataLength)-byte data")
            }
            if entry.begin < expectedBegin {
                throw fail(
                    "entry \"\(entry.name)\" offsets [\(entry.begin), \(entry.end)] overlap the previous tensor (ends at \(expectedBegin))")
            }
            if entry.begin > expectedBegin {
                throw fail("gap before entry \"\(entry.name)\": data from \(expectedBegin) to \(entry.begin) belongs to no tensor")
            }
            expectedBegin = entry.end
        }
        guard expectedBegin == dataLength else {
            throw fail("data section has \(dataLength) bytes but the tensors cover \(expectedBegin)")
        }

        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            let range = (dataStart + entry.begin)..<(dataStart + entry.end)
            let tensor = try data[range].withUnsafeBytes { bytes in
                try Tensor(bytes: bytes, shape: entry.shape, dtype: entry.dtype)
            }
            tensors.append((entry.name, tensor))
        }
        return SafeTensorsArchive(tensors: tensors, metadata: metadata)
    }

    // MARK: Writing

    /// Serialises tensors (any device; copied to the CPU) in the given order.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        var entries: [String] = []
        var payload: [[UInt8]] = []
        var offset = 0
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map {
                "\(TextEscaping.jsonString($0.key)):\(TextEscaping.jsonString($0.value))"
            }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for (name, tensor) in tensors {
            guard name != "__metadata__", seen.insert(name).inserted else {
                throw SafeTensorsError(source: "<encode>", reason: "duplicate or reserved tensor name \"\(name)\"")
            }
            guard let dtypeName = dtypeNames[tensor.dtype] else {
                throw SafeTensorsError(source: "<encode>", reason: "tensor \"\(name)\" has unsupported dtype \(tensor.dtype)")
            }
            let bytes = try tensor.rawBytes()
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(TextEscaping.jsonString(name)):{\"dtype\":\"\(dtypeName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes.count)]}"
            )
            offset += bytes.count
            payload.append(bytes)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (header.count + 8) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + header.count + offset)
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for bytes in payload { data.append(contentsOf: bytes) }
        return data
    }

    /// Writes atomically: the bytes go to a temporary file in the same folder, which is flushed
    /// (unless not `durable`: see `AtomicFile.write`) and then renamed over `url`, so readers
    /// never see a partial file.
    public static func save(
        _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL,
        durable: Bool = true
    ) throws {
        let data = try encode(tensors, metadata: metadata)
        try writeAtomically(data, to: url, durable: durable)
    }

    static func writeAtomically(_ data: Data, to url: URL, durable: Bool = true) throws {
        do {
            try AtomicFile.write(data, to: url, durable: durable)
        } catch let error as AtomicFile.WriteError {
            throw SafeTensorsError(source: url.path, reason: error.reason)
        }
    }
}
