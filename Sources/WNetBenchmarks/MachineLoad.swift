import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How busy the machine was over an interval, from `/proc/stat`, and how much of that was this
/// process (from `getrusage`): benchmarks on a shared machine report the rest as other load.
///
/// On systems without `/proc/stat` every figure is `nil`.
public struct MachineLoad: Sendable {
  private let busyTicks: Double?
  private let totalTicks: Double?
  private let processSeconds: Double
  private let wallSeconds: Double

  /// A snapshot of the counters now.
  public init() {
    let ticks = Self.readProcStat()
    busyTicks = ticks?.busy
    totalTicks = ticks?.total
    processSeconds = Self.processCPUSeconds()
    wallSeconds = Date().timeIntervalSinceReferenceDate
  }

  /// The busy share of all cores between `start` and this snapshot, in percent of the machine.
  public func busyPercent(since start: MachineLoad) -> Double? {
    guard let busy = busyTicks, let total = totalTicks, let startBusy = start.busyTicks,
      let startTotal = start.totalTicks, total > startTotal
    else { return nil }
    return 100 * (busy - startBusy) / (total - startTotal)
  }

  /// The busy share of all cores between `start` and this snapshot that this process did not
  /// account for, in percent of the machine: the load from other processes.
  public func otherPercent(since start: MachineLoad) -> Double? {
    guard let busy = busyPercent(since: start) else { return nil }
    let wall = wallSeconds - start.wallSeconds
    guard wall > 0 else { return nil }
    let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
    let own = 100 * (processSeconds - start.processSeconds) / (wall * cores)
    return Swift.max(0, busy - own)
  }

  /// Samples the machine for `seconds` and returns its busy share in percent (`nil` without
  /// `/proc/stat`): a check that the machine is idle before timing anything.
  public static func sampleBusyPercent(seconds: Double = 2) -> Double? {
    let start = MachineLoad()
    Thread.sleep(forTimeInterval: seconds)
    return MachineLoad().busyPercent(since: start)
  }

  private static func readProcStat() -> (busy: Double, total: Double)? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return nil }
    // user nice system idle iowait irq softirq steal …
    let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard fields.count >= 5 else { return nil }
    let total = fields.prefix(8).reduce(0, +)
    return (total - fields[3] - fields[4], total)
  }

  private static func processCPUSeconds() -> Double {
    #if canImport(Glibc)
      var usage = rusage()
      getrusage(RUSAGE_SELF.rawValue, &usage)
      func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
      return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    #else
      return 0
    #endif
  }
}
