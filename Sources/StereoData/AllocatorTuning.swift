internal import CImageCodecs

/// Keeps glibc's allocator from fragmenting under the loader's allocation pattern.
///
/// The loader's worker threads allocate multi-megabyte images of random sizes (random scale
/// augmentation). glibc raises its mmap threshold dynamically after the first such block is freed,
/// so later blocks come from per-thread heap arenas, where random sizes fragment: a training run on
/// real pairs grew by ~3 MB/s without bound (0.85 → 2.7 GB in 400 steps at 168×96). Fixing the
/// threshold at 128 KiB, which also switches the dynamic adjustment off, sends every large block
/// back to the system when freed; the same run then plateaus at 1.55 GB, as synthetic-only
/// training does. Tensors are unaffected: they come from ``BufferPool``, which reuses its buffers.
enum AllocatorTuning {
  /// Applies the setting once per process (idempotent; safe from any thread).
  static let apply: Void = {
    _ = wnet_fix_mmap_threshold(128 * 1024)
  }()
}
