import ArgumentParser
import Foundation
import StereoData
import StereoDepth

extension WNetCommand {
  struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Extract stereo pairs from a 3D video into the folder layout.",
      discussion: """
        Decodes the video with ffmpeg at the given rate and writes OUTPUT/left/000000.png and \
        OUTPUT/right/000000.png, and so on. Half layouts are stretched back to full aspect. \
        Extract each video into its own folder: a folder is one source when splitting. \
        SIGINT, SIGTERM or SIGHUP stops after the pair being written: every left view has its \
        right view, and the folder reads as a dataset.

        Examples:
          wnet extract movie.mkv --layout half-sbs --fps 1 -o frames
          wnet infer frames -o depth
        """)

    @Argument(help: "The 3D video.")
    var video: String

    @Option(help: "How the video packs its views: sbs, half-sbs, tb or half-tb (left eye first).")
    var layout: StereoVideoLayout

    @Option(name: .customLong("fps"), help: "The rate at which frames are taken, per second.")
    var framesPerSecond: Double = 1

    @Option(name: .shortAndLong, help: "The folder to write left/ and right/ into.")
    var output: String

    @Option(help: "Where to start, in seconds.")
    var start: Double = 0

    @Option(help: "How many seconds to extract (default: to the end).")
    var duration: Double?

    @Option(help: "Stop after this many pairs.")
    var maxFrames: Int?

    @Flag(help: "Replace frames already in the output folder.")
    var overwrite = false

    func validate() throws {
      guard framesPerSecond > 0, framesPerSecond.isFinite else {
        throw ValidationError("'--fps' must be positive.")
      }
      guard start >= 0 else { throw ValidationError("'--start' must not be negative.") }
      guard (duration ?? 1) > 0 else { throw ValidationError("'--duration' must be positive.") }
      guard (maxFrames ?? 1) > 0 else { throw ValidationError("'--max-frames' must be positive.") }
    }

    func run() throws {
      let folder = URL(fileURLWithPath: output)
      // A signal ends the extraction between pairs, never between a pair's two files.
      let signals = StopSignals()
      defer { signals.cancel() }
      var count = 0
      do {
        count = try VideoExtraction.extract(
          URL(fileURLWithPath: video), layout: layout, framesPerSecond: framesPerSecond,
          to: folder, start: start, duration: duration, maximumFrames: maxFrames,
          overwrite: overwrite, stoppingWhen: { signals.receivedSignal != nil }
        ) { written in
          count = written
          if written % 25 == 0 { FileHandle.standardError.write(Data("\(written) pairs\n".utf8)) }
        }
      } catch {
        // ffmpeg, in the same process group, stops on Ctrl-C too: the pairs written stand.
        guard signals.receivedSignal != nil else { throw error }
      }
      if let signal = signals.receivedSignal {
        throw CLIError(
          "stopped by \(StopSignals.name(of: signal)) after \(count) pairs; each is complete in "
            + "\(folder.path) (extract again with --overwrite, or into another folder, for the rest)"
        )
      }
      print("wrote \(count) pairs to \(folder.path)")
    }
  }
}
