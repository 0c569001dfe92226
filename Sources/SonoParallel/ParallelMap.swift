import Foundation

/// Runs `body(0..<count)` on `threads` workers pulling indices from a shared counter, so one slow
/// item (a cine file, a large frame) never idles the others. Results come back in index order, so
/// output never depends on scheduling. The first error wins and stops further items.
public func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
    guard count > 0 else { return [] }
    var results = [T?](repeating: nil, count: count)
    let lock = NSLock()
    var next = 0
    var failure: Error?
    results.withUnsafeMutableBufferPointer { buffer in
        let slots = buffer
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while true {
                lock.lock()
                let index = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                if stop || index >= count { return }
                do {
                    let value = try body(index)
                    slots[index] = value
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                }
            }
        }
    }
    if let failure { throw failure }
    return results.map { $0! }
}
