import Foundation
import Testing
import _StereoTestSupport

/// Runs reference computations in Debian's `/usr/bin/python3` with `cv2` (python3-opencv) and
/// NumPy: the expected values of these tests come from OpenCV itself, not from WNet's code.
///
/// Tests that use it carry `.enabled(if: OpenCVPython.isAvailable, OpenCVPython.skipNote)`.
enum OpenCVPython {
  /// The interpreter: Debian's, whose `cv2` needs Debian's NumPy 1.x.
  static let interpreter = DebianPython.path

  /// Whether the interpreter imports `cv2` and `numpy`.
  static let isAvailable = DebianPython.hasOpenCV

  /// The note shown when the cross-checks are skipped.
  static let skipNote: Comment =
    "/usr/bin/python3 with cv2 (Debian python3-opencv) not found; the OpenCV cross-check is skipped"

  /// Runs the interpreter with `arguments`; returns its exit status, standard output and error.
  static func run(arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
    try PythonInterpreter.run(command: [interpreter], arguments: arguments)
  }

  /// Writes `script` to a temporary file and runs it with `arguments`; returns standard output.
  ///
  /// - Throws: When Python cannot start or the script fails (its standard error is in the message).
  static func runScript(_ script: String, arguments: [String]) throws -> Data {
    try PythonInterpreter.runScript(script, command: [interpreter], arguments: arguments)
  }

  /// Little-endian values of `type` from raw bytes written by NumPy's `tofile`.
  static func values<T: FixedWidthInteger>(_ data: Data, as type: T.Type) -> [T] {
    data.withUnsafeBytes { raw in
      (0..<(data.count / MemoryLayout<T>.size)).map {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))
      }
    }
  }

  /// Little-endian float32 or float64 values from raw bytes.
  static func floats(_ data: Data) -> [Float] {
    values(data, as: UInt32.self).map { Float(bitPattern: $0) }
  }

  /// Little-endian float64 values from raw bytes.
  static func doubles(_ data: Data) -> [Double] {
    values(data, as: UInt64.self).map { Double(bitPattern: $0) }
  }
}
