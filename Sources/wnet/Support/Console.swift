import Foundation

/// Writing to the terminal: results on standard output, progress and notes on standard error,
/// so that `--json` output stays machine-readable.
enum Console {
  /// Whether standard error is a terminal (progress bars redraw in place only there).
  static let isInteractive = isatty(STDERR_FILENO) == 1

  /// Writes `text` and a newline to standard error.
  static func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Redraws the current terminal line on standard error.
  static func status(_ text: String) {
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
  }

  /// "1h02m", "3m05s", "12s".
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
    if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
    return "\(total)s"
  }
}

/// A one-line progress bar: redrawn in place on a terminal, a plain line every few percent
/// elsewhere (logs, CI).
struct ProgressBar {
  let total: Int
  let width = 24
  private var lastPrintedPercent = -1

  init(total: Int) { self.total = max(total, 1) }

  mutating func update(_ done: Int, _ message: String) {
    let fraction = min(1, Double(done) / Double(total))
    let percent = Int(fraction * 100)
    if Console.isInteractive {
      let filled = Int(fraction * Double(width))
      let bar =
        String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      Console.status("\(bar) \(done)/\(total) \(message)")
      if done >= total { Console.note("") }
    } else if percent / 5 != lastPrintedPercent / 5 || done >= total {
      lastPrintedPercent = percent
      Console.note("[\(percent)%] \(done)/\(total) \(message)")
    }
  }
}
