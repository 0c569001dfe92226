import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `index` says when stopped with Ctrl-C or SIGTERM: the manifest keeps every committed batch
/// and rerunning the same command continues. Prepared before the crawl starts, because a signal
/// handler may only call async-signal-safe functions (write, _exit).
enum InterruptNotice {
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var length = 0

    static func install(_ text: String) {
        message = strdup(text)
        length = text.utf8.count
        let handler: @convention(c) (Int32) -> Void = { _ in
            if let message = InterruptNotice.message { _ = write(STDERR_FILENO, message, InterruptNotice.length) }
            _exit(130)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
