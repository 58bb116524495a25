// Allocator settings for the data loader; see StereoData's AllocatorTuning.swift for why.
#include <malloc.h>
#include "CImageCodecs.h"

int wnet_fix_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
