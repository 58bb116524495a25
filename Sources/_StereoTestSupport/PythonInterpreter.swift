import Foundation

/// The Python interpreter that the independent cross-checks run, and a way to run it.
///
/// Lookup order: `$WNET_PYTHON`; else `bin/python3` of the virtual environment that
/// `scripts/setup.sh` makes (`$WNET_VENV`, by default `~/.cache/wnet/venv`) when it exists; else
/// `python3` on `PATH`. Tests that need a package check ``imports(_:)`` and skip without it.
package enum PythonInterpreter {
  /// The command that starts the interpreter: one executable path, or `env python3`.
  package static let command: [String] = {
    let environment = ProcessInfo.processInfo.environment
    if let explicit = environment["WNET_PYTHON"], !explicit.isEmpty { return [explicit] }
    let venv =
      environment["WNET_VENV"].flatMap { $0.isEmpty ? nil : $0 }
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/wnet/venv")
      .path
    let venvPython = URL(fileURLWithPath: venv).appendingPathComponent("bin/python3").path
    if FileManager.default.isExecutableFile(atPath: venvPython) { return [venvPython] }
    return ["/usr/bin/env", "python3"]
  }()

  /// Whether the interpreter starts and runs `import <modules>`, as in `"numpy, safetensors"`.
  package static func imports(_ modules: String) -> Bool {
    guard let result = try? run(arguments: ["-c", "import \(modules)"]) else { return false }
    return result.status == 0
  }

  /// Runs the interpreter with `arguments`; returns its exit status, standard output and error.
  ///
  /// - Throws: When the temporary files cannot be made or the interpreter cannot start.
  package static func run(arguments: [String]) throws -> (
    status: Int32, output: Data, error: String
  ) {
    try run(command: command, arguments: arguments)
  }

  /// Runs `command` (an interpreter, e.g. Debian's `/usr/bin/python3`) with `arguments`.
  package static func run(command: [String], arguments: [String]) throws -> (
    status: Int32, output: Data, error: String
  ) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-python-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("stdout")
    let errorURL = directory.appendingPathComponent("stderr")
    for url in [outputURL, errorURL] {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw PythonScriptError(description: "Cannot create \(url.path)")
      }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst()) + arguments
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
  package static func runScript(_ script: String, arguments: [String]) throws -> Data {
    try runScript(script, command: command, arguments: arguments)
  }

  /// Writes `script` to a temporary file and runs it with `command`; returns standard output.
  package static func runScript(_ script: String, command: [String], arguments: [String]) throws
    -> Data
  {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-check-\(UUID().uuidString).py")
    try Data(script.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = try run(command: command, arguments: [url.path] + arguments)
    guard result.status == 0 else {
      let interpreter = command.joined(separator: " ")
      throw PythonScriptError(
        description: "\(interpreter) exited with \(result.status): \(result.error)")
    }
    return result.output
  }
}

/// A Python cross-check that could not run or failed, with its standard error.
package struct PythonScriptError: Error, CustomStringConvertible {
  package var description: String

  package init(description: String) { self.description = description }
}
