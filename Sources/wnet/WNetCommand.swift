import ArgumentParser
import Foundation
import StereoDepth
import StereoTensor

/// The `wnet` command: self-supervised stereo depth from the command line.
@main
struct WNetCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wnet",
    abstract: "Learn depth from rectified stereo pairs without ground truth, and use it.",
    discussion: """
      WNet trains a W-net on stereo pairs or side-by-side 3D video by rendering each view from \
      the other, then gives disparity, metric depth, confidence and point clouds.
      """,
    version: "wnet \(WNetVersion.current)",
    subcommands: [
      Train.self,
      Infer.self,
      Rectify.self,
      Demo.self,
      Eval.self,
      Version.self,
      Synth.self,
      Extract.self,
      Dataset.self,
      Export.self,
      Bench.self,
    ])

  /// Checks what applies to every subcommand, then parses and runs.
  ///
  /// Empty values are refused, and a thread count above the cores is capped with a note. Every
  /// error, a bad option included, ends as one line on standard error (`Error: …`) with exit
  /// status 1; help and `--version` still exit 0.
  static func main() async {
    do {
      if let problem = EmptyArgumentCheck.problem(in: Array(CommandLine.arguments.dropFirst())) {
        throw ValidationError(problem)
      }
      var command = try parseAsRoot(nil)
      if let note = Parallel.threadCapNote { Console.note(note) }
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      let code = exitCode(for: error)
      // Help, --version and a command's own exit status (it has said why) pass through.
      guard code != .success, !(error is ExitCode) else { exit(withError: error) }
      // ArgumentParser follows a bad option with its usage text and exit status 64; one line
      // and status 1 is the rule for every error here.
      let message =
        self.message(for: error).split(whereSeparator: \.isNewline)
        .first.map(String.init) ?? "\(error)"
      FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
      Foundation.exit(1)
    }
  }
}

extension WNetCommand {
  struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the versions of WNet and oneDNN, and the backend in use.",
      discussion: """
        The first line is the same as 'wnet --version' prints: 'wnet MAJOR.MINOR.PATCH' \
        (semantic versioning; CHANGELOG.md).

        Examples:
          wnet version
          wnet --version
        """)
    func run() throws {
      print("wnet \(WNetVersion.current)")
      print(
        "oneDNN \(DNNLBackend.version) (\(DNNLBackend.instructionSet)); backend: \(Backends.current.name); threads: \(Parallel.threadCount) (OMP_NUM_THREADS)"
      )
    }
  }
}
