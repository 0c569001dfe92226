import Foundation
import Yams

/// The keys a YAML configuration may hold, level by level, so that a typo is an error that
/// lists the keys it could have meant, instead of a setting silently left at its default.
public indirect enum YAMLShape: Sendable {
    /// Anything (a scalar, or a structure whose keys are the user's, such as names to groups).
    case any
    /// A mapping with these keys only.
    case mapping([String: YAMLShape])
    /// A sequence whose items have this shape.
    case sequence(YAMLShape)
}

/// A YAML configuration that cannot be used; `line` and `column` (1-based) point into `file`.
public struct YAMLConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int?, column: Int?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line):\(column ?? 1): \(message)"
    }
}

/// Parsing, key checking and decoding of YAML configurations with errors that say where.
public enum YAMLConfig {
    /// Parses `text`, checks every mapping's keys against `shape`, and decodes `T`. An empty
    /// document decodes from an empty mapping.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, shape: YAMLShape, file: String) throws -> T {
        let node = try parse(text, file: file) ?? Node.mapping(Node.Mapping([]))
        try check(node, against: shape, path: [], file: file)
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch let error as DecodingError {
            throw describe(error, in: node, file: file)
        }
    }

    /// The document's node tree; nil for an empty document. Syntax errors carry Yams' position.
    public static func parse(_ text: String, file: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
    }

    /// Throws at the first key that `shape` does not allow, naming the known ones.
    public static func check(_ node: Node, against shape: YAMLShape, path: [String], file: String) throws {
        switch shape {
        case .any:
            return
        case .mapping(let keys):
            guard let mapping = node.mapping else {
                throw YAMLConfigError(
                    file: file, line: node.mark?.line, column: node.mark?.column,
                    message: "\(where_(path))expected a mapping of keys to values")
            }
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                guard let inner = keys[name] else {
                    throw YAMLConfigError(
                        file: file, line: key.mark?.line, column: key.mark?.column,
                        message:
                            "unknown key '\((path + [name]).joined(separator: "."))'; known keys\(path.isEmpty ? "" : " of \(path.joined(separator: "."))"): \(keys.keys.sorted().joined(separator: ", "))"
                    )
                }
                try check(value, against: inner, path: path + [name], file: file)
            }
        case .sequence(let item):
            guard let sequence = node.sequence else {
                throw YAMLConfigError(
                    file: file, line: node.mark?.line, column: node.mark?.column,
                    message: "\(where_(path))expected a list")
            }
            for (index, value) in sequence.enumerated() {
                try check(value, against: item, path: path + ["\(index)"], file: file)
            }
        }
    }

    private static func where_(_ path: [String]) -> String {
        path.isEmpty ? "" : "\(path.joined(separator: ".")): "
    }

    static func syntaxError(_ error: YamlError, file: String) -> YAMLConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return YAMLConfigError(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(text)")
        default:
            // Yams' own text of the other cases already says where, when it knows.
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return YAMLConfigError(file: file, line: nil, column: nil, message: "YAML: \(firstLine)")
        }
    }

    /// A settings file's top level: a mapping whose keys are all among `known` (or `accepted`:
    /// older spellings still read but no longer listed). An empty document is nil.
    public static func settingsMapping(_ text: String, known: [String], accepted: Set<String> = [], file: String) throws -> Node? {
        guard let node = try parse(text, file: file) else { return nil }
        guard let mapping = node.mapping else {
            throw YAMLConfigError(
                file: file, line: node.mark?.line, column: node.mark?.column,
                message: "the top level must be a mapping of keys to values")
        }
        let allowed = Set(known).union(accepted)
        for (key, _) in mapping {
            let name = key.string ?? "\(key)"
            guard allowed.contains(name) else {
                throw YAMLConfigError(
                    file: file, line: key.mark?.line, column: key.mark?.column,
                    message: "unknown key '\(name)'; known keys: \(known.sorted().joined(separator: ", "))")
            }
        }
        return node
    }

    /// Where top-level `key` of the YAML `text` is, for errors found after parsing (nil if absent).
    public static func position(ofKey key: String, in text: String) -> (line: Int, column: Int)? {
        guard let node = try? Yams.compose(yaml: text), let mapping = node.mapping else { return nil }
        for (name, _) in mapping where name.string == key {
            if let mark = name.mark { return (mark.line, mark.column) }
        }
        return nil
    }

    /// A decoding error pointed at the node its coding path names (or the nearest one above).
    public static func describe(_ error: DecodingError, in root: Node, file: String) -> YAMLConfigError {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return YAMLConfigError(file: file, line: nil, column: nil, message: "\(error)")
        }
        var node = root
        var mark = root.mark
        for key in context.codingPath {
            if let mapping = node.mapping, let value = mapping[key.stringValue] {
                node = value
            } else if let sequence = node.sequence, let index = key.intValue, index < sequence.count {
                node = sequence[index]
            } else {
                break
            }
            mark = node.mark ?? mark
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        let reason: String
        switch error {
        case .typeMismatch(let type, _): reason = "expected \(Self.typeName(type))"
        case .keyNotFound(let key, _): reason = "missing key '\(key.stringValue)'"
        default: reason = context.debugDescription
        }
        return YAMLConfigError(
            file: file, line: mark?.line, column: mark?.column,
            message: path.isEmpty ? reason : "\(path): \(reason)")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = "\(type)"
            // Yams names its node kinds when a list or mapping stands where one value belongs.
            if name.hasSuffix("Scalar") { return "a single value, not a list or mapping" }
            if name.hasPrefix("Array") || name.hasSuffix("Sequence") { return "a list" }
            if name.hasSuffix("Mapping") { return "a mapping" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return name
        }
    }
}
