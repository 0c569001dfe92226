import Foundation

/// Image files by content: PNG and JPEG are recognised from their first bytes, not their names.
public enum ImageFile {
    public enum Kind: Equatable, Sendable { case png, jpeg }

    public static func read(path: String) throws -> Raster {
        try decode(bytes(atPath: path), source: path)
    }

    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Raster {
        switch kind(of: bytes) {
        case .png: return try PNG.decode(bytes, source: source)
        case .jpeg: return try JPEG.decode(bytes, source: source)
        case nil:
            let reason = bytes.isEmpty ? "empty file" : "neither PNG nor JPEG (unknown leading bytes)"
            throw ImagingError.unsupportedFormat(path: source, reason: reason)
        }
    }

    /// Writes PNG (the only format SonoTag writes), atomically.
    public static func write(_ raster: Raster, to path: String) throws {
        try PNG.write(raster, to: path)
    }

    public static func kind(of bytes: [UInt8]) -> Kind? {
        if bytes.count >= 8, Array(bytes.prefix(8)) == PNG.signature { return .png }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    static func bytes(atPath path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw ImagingError.unreadable(path: path, reason: "is a directory") }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ImagingError.unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
