import Foundation

/// Debian's interpreter, `/usr/bin/python3`, whose `cv2` (python3-opencv) needs Debian's NumPy
/// 1.x: the cross-checks against OpenCV run there, not in the virtual environment of
/// ``PythonInterpreter``.
package enum DebianPython {
  /// The interpreter's path.
  package static let path = "/usr/bin/python3"

  /// Whether it exists and runs `import cv2, numpy`.
  ///
  /// Tests that need it carry `.enabled(if: DebianPython.hasOpenCV, …)` and skip, saying why, on
  /// a machine without it.
  package static let hasOpenCV: Bool = {
    guard FileManager.default.isExecutableFile(atPath: path),
      let result = try? PythonInterpreter.run(
        command: [path], arguments: ["-c", "import cv2, numpy"])
    else { return false }
    return result.status == 0
  }()
}
