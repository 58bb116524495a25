import Dispatch
import Foundation
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

/// Timings of the matching preset's fused kernels at their intended sizes.
///
/// The correlation at a quarter of 640x480 (120x160, C = 32, D = 48) and the offset selection at
/// full 640x480
/// (K = 9, C = 3). Benchmarks, not timed tests: they print medians and check nothing about time.
/// Run with `WNET_KERNEL_BENCHMARKS=1` on a release build (`swift build -c release --build-tests
/// -Xswiftc -enable-testing`), on an idle machine, with `OMP_NUM_THREADS` set.
@Suite(
  "Matching kernels benchmark",
  .enabled(if: ProcessInfo.processInfo.environment["WNET_KERNEL_BENCHMARKS"] == "1"),
  .serialized)
struct MatchingKernelBenchmarks {
  /// A wall-clock and a CPU time (all threads of the process), in milliseconds.
  struct Timing {
    var wall: Double
    var cpu: Double
    static func - (a: Timing, b: Timing) -> Timing {
      Timing(wall: a.wall - b.wall, cpu: a.cpu - b.cpu)
    }
  }

  /// The process's CPU time so far: on a shared machine it measures the work, which the wall
  /// clock does not while other processes hold the cores.
  func processCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
  }

  /// The medians of `runs` timed calls after `warmup` untimed ones.
  func median(runs: Int = 15, warmup: Int = 3, _ body: () -> Void) -> Timing {
    for _ in 0..<warmup { body() }
    var (walls, cpus): ([Double], [Double]) = ([], [])
    for _ in 0..<runs {
      let (start, startCPU) = (DispatchTime.now().uptimeNanoseconds, processCPUMilliseconds())
      body()
      walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
      cpus.append(processCPUMilliseconds() - startCPU)
    }
    return Timing(wall: walls.sorted()[runs / 2], cpu: cpus.sorted()[runs / 2])
  }

  func report(_ name: String, forward: Timing, total: Timing) {
    let backward = total - forward
    let line = String(
      format: "%@ (%d threads): forward %.2f ms, backward %.2f ms, total %.2f ms wall;"
        + " CPU %.2f + %.2f = %.2f ms",
      name, Parallel.threadCount, forward.wall, backward.wall, total.wall, forward.cpu,
      backward.cpu, total.cpu)
    print(line)
  }

  @Test("Correlation, 120x160, C = 32, D = 48, batch 1 and 6", arguments: [1, 6])
  func correlation(batch: Int) {
    let shape = [batch, 120, 160, 32]
    let (left, right) = (randomTensor(shape, seed: 1), randomTensor(shape, seed: 2))
    let seed = randomTensor([batch, 120, 160, 48], seed: 3)
    let forward = median {
      _ = Tensor.correlation(left: left, right: right, minimumDisparity: 0, candidateCount: 48)
    }
    let total = median {
      let (l, r) = (Parameter(left), Parameter(right))
      Tensor.correlation(left: l.tracked, right: r.tracked, minimumDisparity: 0, candidateCount: 48)
        .backward(seed: seed)
    }
    report("correlation batch \(batch)", forward: forward, total: total)
    if batch == 1 {
      let composed = median(runs: 3, warmup: 1) {
        let (l, r) = (Parameter(left), Parameter(right))
        Tensor.composedCorrelation(
          left: l.tracked, right: r.tracked, minimumDisparity: 0, candidateCount: 48
        )
        .backward(seed: seed)
      }
      print(
        String(
          format: "correlation batch 1, composition: total %.1f ms wall, CPU %.1f ms",
          composed.wall, composed.cpu))
    }
  }

  @Test("Offset selection, 480x640, K = 9, C = 3, batch 1", arguments: [false, true])
  func offsetSelection(sourceGradient: Bool) {
    let layer = OffsetSelection(radius: 4, side: .left)
    let logits = randomTensor([1, 480, 640, 9], seed: 4, in: -3...3)
    let base = randomTensor([1, 480, 640, 1], seed: 5, in: 0...192)
    let source = randomTensor([1, 480, 640, 3], seed: 6, in: 0...1)
    let seed = randomTensor([1, 480, 640, 3], seed: 7)
    let forward = median { _ = layer(logits: logits, baseDisparity: base, source: source) }
    let total = median {
      let l = Parameter(logits)
      let s = sourceGradient ? Parameter(source).tracked : source
      layer(logits: l.tracked, baseDisparity: base, source: s).reconstruction.backward(seed: seed)
    }
    let name = "offset selection" + (sourceGradient ? " (+ source gradient)" : "")
    report(name, forward: forward, total: total)
  }
}
