import Foundation

/// libgomp's wait policy for runs of many pairs: `OMP_WAIT_POLICY=passive`, set by restarting the
/// process, since libgomp reads the variable once, when it loads, before `wnet` starts.
///
/// With the default policy, OpenMP's worker threads spin between parallel regions; in a run of
/// many pairs, where decoding and writing overlap inference on the same cores, that spinning
/// takes their time. 12 OAK-D pairs took 0.80× the wall time and 0.72× the CPU time with
/// `passive` (BENCHMARKS.md, "Many pairs in one process"), while one warm map took about 1.04×
/// (threads woken instead of spinning), so only runs of many pairs restart, and a policy the
/// user set is kept.
enum OpenMPWaitPolicy {
  /// The variable libgomp reads.
  static let variable = "OMP_WAIT_POLICY"
  /// Set beside it in the restarted process, so that it can say why it runs so.
  static let restartMarker = "WNET_WAIT_POLICY_RESTART"

  /// Whether a run of `pairCount` pairs restarts with `OMP_WAIT_POLICY=passive`: two or more
  /// pairs, and no policy in `environment`.
  static func restartsPassive(pairCount: Int, environment: [String: String]) -> Bool {
    pairCount >= 2 && environment[variable] == nil
  }

  /// Whether this process is such a restart.
  static var isRestart: Bool {
    ProcessInfo.processInfo.environment[restartMarker] == "1"
      && ProcessInfo.processInfo.environment[variable] == "passive"
  }

  /// Replaces this process by the same command with `OMP_WAIT_POLICY=passive` when
  /// ``restartsPassive(pairCount:environment:)``; returns (and the run goes on as it is) when it
  /// does not, or when `execv` fails.
  static func restartIfNeeded(pairCount: Int) {
    guard restartsPassive(pairCount: pairCount, environment: ProcessInfo.processInfo.environment)
    else { return }
    setenv(variable, "passive", 1)
    setenv(restartMarker, "1", 1)
    var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
    arguments.append(nil)
    execv("/proc/self/exe", &arguments)
    // Still here: the restart failed; run with the policy libgomp already read.
    unsetenv(variable)
    unsetenv(restartMarker)
    for argument in arguments { free(argument) }
  }
}
