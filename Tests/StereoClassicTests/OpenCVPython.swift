import Foundation
import Testing

/// Runs reference computations in Debian's `/usr/bin/python3` with `cv2` (python3-opencv) and
/// NumPy: the expected values of these tests come from OpenCV itself, not from WNet's code.
///
/// Tests that use it carry `.enabled(if: OpenCVPython.isAvailable, OpenCVPython.skipNote)`.
enum OpenCVPython {
  /// The interpreter: Debian's, whose `cv2` needs Debian's NumPy 1.x.
  static let interpreter = "/usr/bin/python3"

  /// Whether the interpreter imports `cv2` and `numpy`.
  static let isAvailable: Bool = {
    guard FileManager.default.isExecutableFile(atPath: interpreter),
      let result = try? run(arguments: ["-c", "import cv2, numpy"])
    else { return false }
    return result.status == 0
  }()

  /// The note shown when the cross-checks are skipped.
  static let skipNote: Comment =
    "/usr/bin/python3 with cv2 (Debian python3-opencv) not found; the OpenCV cross-check is skipped"

  /// Runs the interpreter with `arguments`; returns its exit status, standard output and error.
  static func run(arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-cv2-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("stdout")
    let errorURL = directory.appendingPathComponent("stderr")
    for url in [outputURL, errorURL] {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw ScriptError(description: "Cannot create \(url.path)")
      }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: interpreter)
    process.arguments = arguments
    // Files rather than pipes: a full pipe would block the child while we wait for it.
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorURL)
    try process.run()
    process.waitUntilExit()
    return (
      process.terminationStatus, try Data(contentsOf: outputURL),
      String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
    )
  }

  /// Writes `script` to a temporary file and runs it with `arguments`; returns standard output.
  ///
  /// - Throws: When Python cannot start or the script fails (its standard error is in the message).
  static func runScript(_ script: String, arguments: [String]) throws -> Data {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-cv2-check-\(UUID().uuidString).py")
    try Data(script.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = try run(arguments: [url.path] + arguments)
    guard result.status == 0 else {
      throw ScriptError(description: "python3 exited with \(result.status): \(result.error)")
    }
    return result.output
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

  struct ScriptError: Error, CustomStringConvertible {
    var description: String
  }
}

/// A folder under the system temporary directory, removed when the value is released.
final class TemporaryFolder {
  let url: URL

  init(_ name: String = #function) throws {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The URL of `name` inside the folder.
  func file(_ name: String) -> URL { url.appendingPathComponent(name) }

  deinit { try? FileManager.default.removeItem(at: url) }
}

/// The root of the real development data, `../shared/data` from the package root, or `nil`.
let sharedDataRoot: URL? = {
  let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
  return FileManager.default.fileExists(atPath: root.path) ? root : nil
}()
