#ifndef SONOTAG_CALLOCATOR_H
#define SONOTAG_CALLOCATOR_H

/* glibc's malloc knobs (mallopt), which Swift's Glibc module does not expose. Returns 1 when
 * both settings were taken. */
int sonotag_keep_large_blocks_in_heap(long mmap_threshold_bytes, long trim_threshold_bytes);

#endif
