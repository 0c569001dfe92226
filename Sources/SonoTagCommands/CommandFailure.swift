import Foundation

/// Input that cannot be used, for commands whose own modules have no error type for it: exits
/// with `ExitStatus.dataError`, printing `message` (which names the file, flag or field).
public struct DataError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How an error that reached `main` is told to the user.
public enum CommandFailure {
    /// A sentence for Foundation's file errors, which otherwise print as
    /// `Error Domain=NSCocoaErrorDomain Code=260 "(null)"`; nil for any other error.
    public static func fileErrorDescription(_ error: Error) -> (message: String, status: ExitStatus)? {
        guard let cocoa = error as? CocoaError else { return nil }
        let path = cocoa.filePath ?? cocoa.url?.path ?? "a file"
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return ("\(path): no such file or folder", .dataError)
        case .fileReadNoPermission: return ("\(path): permission denied (cannot read)", .dataError)
        case .fileWriteNoPermission: return ("\(path): permission denied (cannot write)", .runtimeFailure)
        case .fileReadCorruptFile: return ("\(path): unreadable or corrupt", .dataError)
        case .fileReadTooLarge: return ("\(path): too large to read", .dataError)
        case .fileWriteOutOfSpace: return ("\(path): no space left on the device", .runtimeFailure)
        case .fileWriteFileExists: return ("\(path): already exists", .runtimeFailure)
        case .fileWriteVolumeReadOnly: return ("\(path): read-only file system", .runtimeFailure)
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding:
            return ("\(path): not text in a known encoding", .dataError)
        default:
            return (
                "\(path): file operation failed (code \(cocoa.code.rawValue))", cocoa.code.rawValue < 512 ? .dataError : .runtimeFailure
            )
        }
    }

    /// Prints `error: message` on standard error, prefixed with the tool's name, and exits.
    public static func exit(tool: String, message: String, status: ExitStatus) -> Never {
        FileHandle.standardError.write(Data("\(tool): error: \(message)\n".utf8))
        Foundation.exit(status.rawValue)
    }
}
