#include "CAllocator.h"

#include <malloc.h>

int sonotag_keep_large_blocks_in_heap(long mmap_threshold_bytes, long trim_threshold_bytes) {
#if defined(__GLIBC__)
    /* A fixed threshold also stops glibc's dynamic adjustment, which is what we want: the sizes
     * that matter (decoded frames, resized images) are known to be below it. */
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold_bytes);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold_bytes);
    return mmap_ok == 1 && trim_ok == 1;
#else
    (void)mmap_threshold_bytes;
    (void)trim_threshold_bytes;
    return 0;
#endif
}
