import ArgumentParser
import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Render synthetic rectified stereo pairs with exact ground truth.",
      discussion: """
        Each scene is a slanted, textured background plane with nearer textured rectangles and \
        ellipses in front of it, ray-cast into both views. DIR/scene-NNNN/ receives the left and \
        right views 'im0.png' and 'im1.png', the left disparity 'disp0GT.pfm' (PFM, pixels; a left pixel at x matches \
        the right view at x - d) and the non-occluded mask 'mask0nocc.png' (255 = visible in the \
        right view, 128 = occluded, as in Middlebury 2014). The same seed gives the same scenes, \
        and scene k does not depend on --count.

        Examples:
          wnet synth --count 20 --max-disparity 40 -o scenes
          wnet eval --data scenes
        """)

    @Option(help: "The number of scenes.")
    var count = 10

    @Option(help: "The width of each view, in pixels.")
    var width = 640

    @Option(help: "The height of each view, in pixels.")
    var height = 480

    @Option(
      parsing: .unconditional,
      help: "The smallest ground-truth disparity, in pixels (may be negative).")
    var minDisparity: Float = 0

    @Option(parsing: .unconditional, help: "The largest ground-truth disparity, in pixels.")
    var maxDisparity: Float = 47

    @Option(help: "The fewest occluding objects per scene.")
    var minObjects = 2

    @Option(help: "The most occluding objects per scene.")
    var maxObjects = 6

    @Option(help: "The most thin bars (1-4 px thick, at any angle) per scene, after its objects.")
    var thinBars = 0

    @Option(help: "The share of scenes whose background is folded into a valley (0-1).")
    var folds: Float = 0

    @Option(help: "The share of surfaces painted like wood, their grain along the rows (0-1).")
    var grain: Float = 0

    @Option(help: "The random seed.")
    var seed: UInt64 = 0

    @Option(
      name: .shortAndLong,
      help: "The directory to write the scenes into; created if missing.")
    var output: String

    func validate() throws {
      guard count > 0 else { throw ValidationError("'--count' must be positive.") }
      guard (2...8192).contains(width) && (2...8192).contains(height) else {
        throw ValidationError("'--width' and '--height' must lie in 2...8192.")
      }
      guard minDisparity.isFinite && maxDisparity.isFinite && minDisparity <= maxDisparity else {
        throw ValidationError("'--min-disparity' must not exceed '--max-disparity'.")
      }
      guard maxDisparity - minDisparity < Float(width) else {
        throw ValidationError("The disparity range must be narrower than '--width'.")
      }
      guard minObjects >= 0 && minObjects <= maxObjects else {
        throw ValidationError("'--min-objects' must be between 0 and '--max-objects'.")
      }
      guard thinBars >= 0 else { throw ValidationError("'--thin-bars' must not be negative.") }
      guard (0...1).contains(folds) else { throw ValidationError("'--folds' must lie in [0, 1].") }
      guard (0...1).contains(grain) else { throw ValidationError("'--grain' must lie in [0, 1].") }
    }

    func run() throws {
      let root = URL(fileURLWithPath: output, isDirectory: true)
      let generator = SyntheticStereoGenerator(configuration: generatorConfiguration)
      var random = SeededGenerator(seed: seed)
      for index in 0..<count {
        // One independent stream per scene, drawn in order.
        var sceneRandom = random.split()
        let pair = generator.makePair(using: &sceneRandom)
        let directory = root.appendingPathComponent(String(format: "scene-%04d", index))
        try AtomicFile.createFolder(at: directory)
        try Self.writeImage(pair.left, kind: .color, named: "im0", in: directory)
        try Self.writeImage(pair.right, kind: .color, named: "im1", in: directory)
        try Self.writeImage(pair.leftDisparity, kind: .disparity, named: "disp0GT", in: directory)
        try Self.writeImage(pair.leftNonOccluded, kind: .mask, named: "mask0nocc", in: directory)
        let visible = pair.leftNonOccluded.pixels.reduce(0, +) / Float(width * height)
        print(
          "\(directory.path)  non-occluded \(String(format: "%.1f", 100 * visible))%")
      }
    }

    var generatorConfiguration: SyntheticStereoGenerator.Configuration {
      SyntheticStereoGenerator.Configuration(
        width: width, height: height, minimumDisparity: minDisparity,
        maximumDisparity: maxDisparity, objectCount: minObjects...maxObjects,
        thinBars: 0...thinBars, foldProbability: folds, grainProbability: grain)
    }

    /// What an image holds, which decides its file format.
    enum ImageKind {
      /// RGB in [0, 1].
      case color
      /// Disparity in pixels.
      case disparity
      /// 1 = non-occluded, 0 = occluded.
      case mask
    }

    /// Writes one image of a scene, atomically; returns the file written.
    ///
    /// Writes one file of a scene in the Middlebury 2014 layout, which `wnet eval` and `wnet train`
    /// read: colour views as 8-bit PNG (`im0.png`, `im1.png`), the disparity as PFM, the mask as
    /// an 8-bit PNG with 255 = visible and 128 = occluded.
    @discardableResult
    static func writeImage(
      _ image: Image, kind: ImageKind, named name: String, in directory: URL
    ) throws -> URL {
      let base = directory.appendingPathComponent(name)
      switch kind {
      case .color:
        let url = base.appendingPathExtension("png")
        try ImageIO.writePNG(image, to: url)
        return url
      case .disparity:
        let url = base.appendingPathExtension("pfm")
        try ImageIO.writePFM(image, to: url)
        return url
      case .mask:
        // Middlebury 2014's mask values: 255 visible, 128 occluded.
        var grey = image
        grey.pixels = image.pixels.map { $0 >= 0.5 ? 1 : 128.0 / 255 }
        let url = base.appendingPathExtension("png")
        try ImageIO.writePNG(grey, to: url)
        return url
      }
    }
  }
}
