import Foundation
import StereoClassic
import StereoData
import StereoDepth

extension WNetCommand.Infer {
  /// The pairs named by the arguments when they are more than one pair: two folders, a folder
  /// holding `left/` and `right/`, or `--list`; `nil` for two image files.
  ///
  /// - Throws: ``StereoDataError`` or ``CLIError`` naming the argument that does not fit.
  static func pairs(views: [String], list: String?) throws -> [NamedStereoPair]? {
    if let list { return try StereoPairList.pairs(listFile: URL(fileURLWithPath: list)) }
    let urls = views.map { URL(fileURLWithPath: $0) }
    let folders = urls.map(StereoPairList.isFolder)
    if urls.count == 1 {
      guard folders[0], StereoPairList.isExtractedFolder(urls[0]) else {
        throw CLIError(
          "\(views[0]) is not a folder holding left/ and right/; give two views, two folders, "
            + "or --list FILE")
      }
      return try StereoPairList.pairs(inExtractedFolder: urls[0])
    }
    if folders[0] && folders[1] {
      return try StereoPairList.pairs(leftFolder: urls[0], rightFolder: urls[1])
    }
    if folders[0] != folders[1] {
      let folder = folders[0] ? views[0] : views[1]
      throw CLIError(
        "\(folder) is a folder but the other view is not: give two files or two folders")
    }
    return nil
  }

  /// Many pairs in one process: the model loaded once, decoding, inference and writing
  /// overlapped (`DisparityEstimator.predictPipelined`),
  /// each pair's files in `OUTPUT/<name>/`. A pair that fails is reported and skipped; the
  /// command then exits with status 1 after the others.
  func runMany(_ pairs: [NamedStereoPair]) throws {
    OpenMPWaitPolicy.restartIfNeeded(pairCount: pairs.count)
    let rig = try calibration.rig()
    let makeCamera = calibration.cameraMaker(rig: rig)
    let (model, metadata) = try modelOptions.load()
    let estimator = modelOptions.estimator(model, metadata)
    let base = outputFolder
    let template = writer(base, camera: nil)
    let progress = BatchProgress(total: pairs.count)
    let adaptation = try self.adaptation.adaptation(metadata: metadata, label: "a pair")
    Console.note(
      "\(pairs.count) pairs → \(base.path)/<name>/"
        + (OpenMPWaitPolicy.isRestart ? " (OMP_WAIT_POLICY=passive for many pairs)" : ""))
    let failures = estimator.predictPipelined(
      count: pairs.count, maximumDisparity: maxDisparity, adaptation: adaptation,
      invalidPixels: invalid.rule, upscale: resolution.rule,
      load: { index -> PipelinedPair<RectifiedStereoCamera?> in
        let pair = pairs[index]
        let left = try ImageIO.readColor(pair.left)
        let right = try ImageIO.readColor(pair.right)
        guard left.width == right.width, left.height == right.height else {
          throw CLIError(
            "\(pair.left.path) is \(left.width)x\(left.height) but \(pair.right.path) is "
              + "\(right.width)x\(right.height)")
        }
        let (l, r) = try Self.rectifiedIfRaw(left, right, rig: rig)
        return PipelinedPair(left: l, right: r, context: try makeCamera(l.width, l.height))
      },
      write: { index, pair, prediction in
        var writer = template
        writer.directory = base.appendingPathComponent(pairs[index].name)
        writer.camera = pair.context
        try writer.write(prediction, left: pair.left)
      },
      finished: { index, seconds, error in
        progress.finished(name: pairs[index].name, networkSeconds: seconds, error: error)
      })
    print(progress.summary())
    if !failures.isEmpty {
      throw CLIError("\(failures.count) of \(pairs.count) pairs failed (listed above)")
    }
  }
}
