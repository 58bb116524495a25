import ArgumentParser
import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show what WNet does: depth from stereo pairs, with errors against ground truth.",
      discussion: """
        Renders a synthetic scene with exact ground truth, and uses the real stereo pairs it can \
        find (Middlebury's Aloe, unpacked by scripts/fetch-samples.sh from Debian's opencv-doc into \
        ~/.cache/wnet/samples, or the folder WNET_SAMPLES names). For each it infers disparity with \
        the \
        bundled model (or --model), writes the pictures, and prints the error against the ground truth. \
        Needs no download.

        Examples:
          wnet demo
          wnet demo --model runs/mine/checkpoint.safetensors -o demo-mine
        """)

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var precision: PrecisionOptions

    @Option(
      name: .shortAndLong,
      help: "Where to write the pictures.")
    var output = "wnet-demo"

    @Option(help: "The seed of the synthetic scene.")
    var seed: UInt64 = 1

    func run() throws {
      // Each scene is a size of its own: one pair each (`--precision auto`).
      try precision.run(singlePair: true, runInPrecision)
    }

    private func runInPrecision() throws {
      let (model, metadata) = try modelOptions.load()
      let estimator = modelOptions.estimator(model, metadata)
      Console.note(
        "WNet demo: \(model.configuration.preset.rawValue) model (\(model.parameters.trainableCount) parameters, step \(metadata.step)), \(Backends.current.name), \(Parallel.threadCount) threads."
      )
      var rows: [[String]] = [
        ["scene", "size", "network", "time", "EPE", "bad-2", "bad-3", "density", "pictures"]
      ]
      for scene in try scenes(model: model) {
        let start = Date()
        // What `wnet infer` writes by default: the marked map, small pairs enlarged.
        let prediction = try estimator.predict(
          left: scene.left, right: scene.right, maximumDisparity: scene.maximumDisparity,
          invalidPixels: .standard, compactMemory: true, upscale: .standard)
        let milliseconds = Date().timeIntervalSince(start) * 1000
        let directory = URL(fileURLWithPath: output).appendingPathComponent(scene.name)
        try PredictionWriter(directory: directory).write(prediction, left: scene.left)
        try ImageIO.writePNG(scene.left, to: directory.appendingPathComponent("left.png"))
        try ImageIO.writePNG(scene.right, to: directory.appendingPathComponent("right.png"))
        var errorColumns = ["-", "-", "-", "-"]
        if let truth = scene.groundTruth {
          // The same colour range for truth and estimate, so the two pictures compare.
          let colorizer = DisparityColorizer(
            range: DisparityColorizer().resolvedRange(for: truth).map {
              .fixed(minimum: $0.minimum, maximum: $0.maximum)
            } ?? .percentiles(lower: 1, upper: 99))
          try ImageIO.writePNG(
            colorizer.colorized(truth),
            to: directory.appendingPathComponent("ground-truth-color.png"))
          try ImageIO.writePNG(
            colorizer.colorized(prediction.validDisparity),
            to: directory.appendingPathComponent("disparity-color.png"))
          // Unknown pixels are filled as `wnet eval` fills them (the KITTI devkit's way).
          let metrics = DisparityMetrics(
            estimate: prediction.validDisparity, groundTruth: truth, mask: scene.mask)
          errorColumns = [
            String(format: "%.2f px", metrics.endPointError),
            String(format: "%.1f%%", metrics.bad2 * 100),
            String(format: "%.1f%%", metrics.bad3 * 100),
            String(format: "%.1f%%", metrics.density * 100),
          ]
        }
        rows.append(
          [
            scene.name, "\(scene.left.width)x\(scene.left.height)",
            "\(prediction.workingWidth)x\(prediction.workingHeight)",
            String(format: "%.0f ms", milliseconds),
          ] + errorColumns + [directory.path])
      }
      print(Table.format(rows))
      print(
        "The map is what 'wnet infer' writes by default (pixels failing the left-right check unknown, small pairs enlarged); for the errors its unknown pixels are filled as 'wnet eval' and the KITTI devkit fill them. Errors are end-point error and the share of pixels off by more than 2 and 3 px, over ground-truth pixels (non-occluded ones for the synthetic scene); density is the share the map keeps."
      )
    }

    struct Scene {
      var name: String
      var left: Image
      var right: Image
      var groundTruth: Image?
      var mask: Image?
      var maximumDisparity: Float?
    }

    /// A synthetic scene within the model's range (and at most a quarter of its width, as in
    /// real footage), then every real pair found on this machine.
    func scenes(model: WNet) throws -> [Scene] {
      let range = model.configuration
      let width = 384
      // Inside the model's range by 2 px, at most a quarter of the width unless the range starts
      // beyond it; a range too narrow for the margins is used whole.
      let (low, high) = (Float(range.minimumDisparity), Float(range.maximumDisparity))
      var (smallest, largest) = (low + 2, min(high - 2, max(Float(width / 4), low + 10)))
      if largest <= smallest { (smallest, largest) = (low, high) }
      largest = min(largest, smallest + Float(width) / 2)
      let synthetic = SyntheticStereoGenerator(
        configuration: .init(
          width: width, height: 256, minimumDisparity: smallest, maximumDisparity: largest))
      var generator = SeededGenerator(seed: seed)
      let pair = synthetic.makePair(using: &generator)
      var scenes = [
        Scene(
          name: "synthetic", left: pair.left, right: pair.right, groundTruth: pair.leftDisparity,
          mask: pair.leftNonOccluded, maximumDisparity: largest)
      ]
      let samples =
        ProcessInfo.processInfo.environment["WNET_SAMPLES"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(
          ".cache/wnet/samples")
      let aloe = samples.appendingPathComponent("aloe")
      if FileManager.default.fileExists(atPath: aloe.appendingPathComponent("left.jpg").path) {
        // Read as `wnet eval --data` reads it (the folder layout with `disp0GT.png`).
        let sample = try StereoDataset(contentsOf: aloe).sample(at: 0)
        scenes.append(
          Scene(
            name: "aloe", left: sample.left, right: sample.right, groundTruth: sample.disparity,
            mask: nil, maximumDisparity: 230))
      } else {
        Console.note(
          "No real sample pairs in \(samples.path) (run scripts/fetch-samples.sh); showing the synthetic scene only."
        )
      }
      return scenes
    }
  }
}

/// Plain-text tables with aligned columns.
enum Table {
  static func format(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    let widths = (0..<first.count).map { column in
      rows.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
      row.enumerated().map { column, cell in
        cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}
