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
        "oneDNN \(DNNLBackend.version); backend: \(Backends.current.name); threads: \(Parallel.threadCount) (OMP_NUM_THREADS)"
      )
    }
  }
}
