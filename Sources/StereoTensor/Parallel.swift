internal import COpenMP
import Dispatch
import Foundation

/// Splits loops across threads for the hand-written kernels.
///
/// The thread count follows `OMP_NUM_THREADS`, like oneDNN's OpenMP runtime, and defaults to all
/// cores. Work is cut into at most ``threadCount`` contiguous chunks so that each thread streams
/// through memory once. The chunks run on libgomp's thread pool, the one oneDNN uses, so kernels
/// between oneDNN calls do not compete with its spinning threads (on 2 cores, inference took 31 ms
/// with Dispatch threads and 27 ms on the shared pool). Called from inside a parallel region (or
/// with `WNET_PARALLEL=dispatch`), it uses Dispatch instead.
public enum Parallel {
  /// The thread count `OMP_NUM_THREADS` asks for, when it holds a positive number.
  public static let requestedThreadCount: Int? = {
    guard let value = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"],
      let count = Int(value.split(separator: ",").first ?? ""), count > 0
    else { return nil }
    return count
  }()

  /// The number of threads kernels and oneDNN use: `OMP_NUM_THREADS`, capped at the core
  /// count (more threads than cores only fight each other: on 2 cores, 64 threads made a
  /// training step 250x slower), or all cores. Reading it applies it to the OpenMP runtime
  /// (`omp_set_num_threads`), which has read the environment before `main`.
  public static let threadCount: Int = {
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let count = min(requestedThreadCount ?? cores, cores)
    omp_set_num_threads(Int32(count))
    return count
  }()

  /// A note for the user when `OMP_NUM_THREADS` exceeds the cores and was capped; else nil.
  public static var threadCapNote: String? {
    guard let requested = requestedThreadCount, requested > threadCount else { return nil }
    return "OMP_NUM_THREADS=\(requested) exceeds the \(threadCount) cores; using \(threadCount) "
      + "threads"
  }

  /// Whether kernels run on the OpenMP pool (default) rather than Dispatch (`WNET_PARALLEL=dispatch`).
  public static let useOpenMP = ProcessInfo.processInfo.environment["WNET_PARALLEL"] != "dispatch"

  /// Calls `body` on disjoint ranges that cover `0..<count`, in parallel when the work is large.
  ///
  /// - Parameters:
  ///   - count: The number of items.
  ///   - minimumChunk: The fewest items worth handing to a thread of their own.
  ///   - body: Processes one range; called concurrently, so it must only write its own items.
  public static func forEachRange(
    _ count: Int, minimumChunk: Int = 16_384, _ body: (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunks = min(threadCount, max(1, count / max(1, minimumChunk)))
    if chunks <= 1 {
      body(0..<count)
      return
    }
    withoutActuallyEscaping(body) { escapable in
      // The chunks are disjoint, so sharing `body` across threads is safe by construction.
      if useOpenMP && omp_in_parallel() == 0 {
        var job = escapable
        withUnsafeMutablePointer(to: &job) { pointer in
          // `count` is split by the team; each thread runs its contiguous share.
          wnet_parallel_for(count, UInt32(chunks), pointer) { context, start, end in
            let body = context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee
            body(start..<end)
          }
        }
        return
      }
      let shared = UncheckedSendable(escapable)
      DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        shared.value(start..<end)
      }
    }
  }

  /// Calls `body` once per thread with that thread's items of `0..<count`, dealt in interleaved
  /// bands: with `T` threads, thread `t` takes the items `[b·k, b·k + b)` for `k = t, t + T,
  /// t + 2T, …` (`b` = `band`), in order. For row loops whose work gathers in parts of an image
  /// (depth edges, holes), where contiguous shares would leave one thread most of it.
  ///
  /// - Parameters:
  ///   - count: The number of items (rows).
  ///   - band: Items per band, at least 1.
  ///   - body: Processes one thread's items; called concurrently, so it must only write its own.
  public static func forEachInterleavedBand(
    _ count: Int, band: Int, _ body: (_ items: [Int]) -> Void
  ) {
    precondition(band >= 1, "Bands need at least one item, got \(band)")
    guard count > 0 else { return }
    let threads = min(threadCount, count)
    forEachRange(threads, minimumChunk: 1) { parts in
      body(
        parts.flatMap { part in
          stride(from: part * band, to: count, by: band * threads).flatMap {
            $0..<min($0 + band, count)
          }
        })
    }
  }
}

/// Hands a value to concurrent code that the caller has made safe by construction (disjoint writes).
public struct UncheckedSendable<Value>: @unchecked Sendable {
  public let value: Value
  @inlinable public init(_ value: Value) { self.value = value }
}
