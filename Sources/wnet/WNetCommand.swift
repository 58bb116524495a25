import ArgumentParser
import Foundation
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

  /// Checks what applies to every subcommand, then parses and runs: empty values are refused,
  /// and a thread count above the cores is capped with a note.
  static func main() async {
    if let problem = EmptyArgumentCheck.problem(in: Array(CommandLine.arguments.dropFirst())) {
      exit(withError: ValidationError(problem))
    }
    if let note = Parallel.threadCapNote { Console.note(note) }
    await main(nil)
  }
}

extension WNetCommand {
  struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the versions of WNet and oneDNN, and the backend in use.")
    func run() throws {
      print("wnet 0.1.0")
      print(
        "oneDNN \(DNNLBackend.version); backend: \(Backends.current.name); threads: \(Parallel.threadCount) (OMP_NUM_THREADS)"
      )
    }
  }
}
