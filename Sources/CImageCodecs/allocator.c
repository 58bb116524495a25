// Allocator settings for the data loader and for inference; see StereoData's AllocatorTuning.swift
// for why.
#include <malloc.h>
#include "CImageCodecs.h"

int wnet_fix_mmap_threshold(int bytes) {
  return mallopt(M_MMAP_THRESHOLD, bytes) && mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}

int wnet_keep_freed_memory(int mmap_bytes, int trim_bytes) {
  return mallopt(M_MMAP_THRESHOLD, mmap_bytes) && mallopt(M_TRIM_THRESHOLD, trim_bytes);
}
