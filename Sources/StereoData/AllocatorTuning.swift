internal import CImageCodecs
import Synchronization

/// glibc allocator settings for the two kinds of work a process does, applied once.
///
/// **Loading** (``applyForLoading()``): the loader's worker threads allocate multi-megabyte images
/// of random sizes (random scale augmentation). glibc raises its mmap threshold dynamically after
/// the first such block is freed, so later blocks come from per-thread heap arenas, where random
/// sizes fragment: a training run on real pairs grew by ~3 MB/s without bound (0.85 → 2.7 GB in
/// 400 steps at 168×96). Fixing the threshold at 128 KiB, which also switches the dynamic
/// adjustment off, sends every large block back to the system when freed; the same run then
/// plateaus at 1.55 GB, as synthetic-only training does.
///
/// **Inference** (``applyForInference()``): each frame allocates a few maps of the input's size
/// (1.2 MB each at 640×480) outside the tensor pool (images, the invalid-pixel rule's outputs,
/// the speckle filter's work arrays) and frees them at its end. With glibc's defaults the freed
/// heap top is trimmed back to the system, so every frame page-faults them in again: about 3 ms
/// of a 45 ms marked map at 640×480 in its profile (docs/RUNS.md). Blocks below 32 MiB then come from the heap
/// (glibc's own ceiling for its dynamic threshold), and up to 64 MiB of freed memory stays at its
/// top for the next frame (the maps of a 1280×960 frame). A stream of one size reuses the same
/// blocks; pairs of changing sizes could fragment the heap (with this setting alone, `wnet eval`
/// over Middlebury 2005-2006 peaked at 229 MiB against 199; BENCHMARKS.md, session 20).
///
/// The loader's setting wins: applied first, it makes the inference one a no-op; applied after
/// it, it replaces it. Tensors are unaffected either way: they come from ``BufferPool``, which
/// reuses its buffers.
public enum AllocatorTuning {
  enum Mode { case glibcDefaults, inference, loading }
  static let mode = Mutex(Mode.glibcDefaults)

  /// The loader's setting (idempotent; safe from any thread).
  static func applyForLoading() {
    mode.withLock { mode in
      guard mode != .loading else { return }
      _ = wnet_fix_mmap_threshold(128 * 1024)
      mode = .loading
    }
  }

  /// The inference setting, unless the loader's is in force (idempotent; safe from any thread).
  public static func applyForInference() {
    mode.withLock { mode in
      guard mode == .glibcDefaults else { return }
      _ = wnet_keep_freed_memory(32 << 20, 64 << 20)
      mode = .inference
    }
  }
}
