import CAllocator
import Foundation

/// glibc hands every block above 128 KB (a decoded frame, a resized 256×384 float image) to its
/// own mmap and unmaps it on free, so each frame of a crawl or cache build paid its page faults
/// again: measured on `sonotag dicom bench decode`, 240×320 RGB → 256×384, 1,209 frames/s as
/// glibc comes and 3,460 with such blocks kept in the heap (JPEG YBR cine: 1,092 → 2,378).
/// Both executables apply it first thing; glibc's own `MALLOC_*_` variables, when set, win.
public enum AllocatorTuning {
    public enum Outcome: Equatable, Sendable {
        case applied
        /// The user set glibc's variables; theirs stand.
        case leftToEnvironment(String)
        case unavailable
    }

    /// Blocks up to 32 MB (glibc's largest allowed threshold on 64-bit) come from the heap, and
    /// up to 128 MB of freed heap stays mapped.
    public static let mmapThreshold = 32 << 20
    public static let trimThreshold = 128 << 20

    /// The glibc variables that say the user has chosen for themselves.
    static let userVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"]

    @discardableResult
    public static func apply(environment: [String: String]) -> Outcome {
        if let chosen = userVariables.first(where: { environment[$0] != nil }) { return .leftToEnvironment(chosen) }
        return sonotag_keep_large_blocks_in_heap(mmapThreshold, trimThreshold) == 1 ? .applied : .unavailable
    }
}
