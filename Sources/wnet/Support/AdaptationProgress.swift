import Foundation
import StereoDepth

/// Progress lines for test-time adaptation (`--adapt`) on standard error.
enum AdaptationProgress {
  /// A ``TestTimeAdaptation/Progress`` that writes `adapting LABEL: step k/N, loss L` for every
  /// step when N ≤ 20, else every ⌈N/20⌉-th step and the last.
  static func lines(label: String) -> TestTimeAdaptation.Progress {
    { step, total, loss in
      let every = max(1, (total + 19) / 20)
      guard step % every == 0 || step == total else { return }
      Console.note(String(format: "adapting %@: step %d/%d, loss %.4f", label, step, total, loss))
    }
  }
}
