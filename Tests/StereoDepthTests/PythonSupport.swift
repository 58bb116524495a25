import Foundation
import Testing
import _StereoTestSupport

/// Runs independent Python/NumPy cross-checks when Python with NumPy is installed.
///
/// The interpreter is `$WNET_PYTHON`, else the virtual environment of `scripts/setup.sh`, else
/// `python3` on `PATH` (``PythonInterpreter``). Tests that use it carry
/// `.enabled(if: PythonSupport.hasNumPy, …)`, so a machine without Python skips them and says why
/// instead of failing.
enum PythonSupport {
  /// Whether the interpreter imports NumPy.
  static let hasNumPy: Bool = PythonInterpreter.imports("numpy")

  /// The note shown when the cross-checks are skipped.
  static let skipNote: Comment =
    "python3 with NumPy not found; the independent cross-check is skipped"

  /// Runs the interpreter with `arguments`; returns its exit status, standard output and error.
  static func run(arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
    try PythonInterpreter.run(arguments: arguments)
  }

  /// Writes `script` to a temporary file and runs it with `arguments`; returns standard output.
  ///
  /// - Throws: When Python cannot start or the script fails (its standard error is in the message).
  static func runScript(_ script: String, arguments: [String]) throws -> Data {
    try PythonInterpreter.runScript(script, arguments: arguments)
  }

  typealias ScriptError = PythonScriptError
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "wnet-test-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
