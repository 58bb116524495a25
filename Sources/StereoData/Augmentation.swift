import Foundation
import StereoTensor

/// The random changes applied to each training pair, all drawn from an injected generator.
///
/// In order:
/// 1. **Scale and crop.** The pair is scaled by `s` and a `width × height` window is cut at a
///    random position (the same window in both views, so the stereo geometry holds). For an
///    `W × H` image, `s` is drawn log-uniformly from `[sFit, sMax]`:
///
///        sFit   = max(height / H, width / W)                        // the window just fits
///        sCover = sqrt(height · width / (minimumCoverage · H · W))  // it covers that share
///        sMax   = max(sFit, min(maximumScale, sCover))
///
///    With the defaults (`maximumScale` 1, `minimumCoverage` 0.25) images are only shrunk (never
///    enlarged unless smaller than the window): shrinking brings large-disparity footage (1080p
///    video) into the network's range. `maximumScale > 1` with a small `minimumCoverage` also
///    enlarges (bilinear), so that training sees disparities up to `maximumScale` times the
///    image's: a 1226×370 KITTI pair with a 336×192 window gives `s ∈ [0.519, 0.754]` by
///    default, and `[0.519, 2]` with `maximumScale` 2 and `minimumCoverage` 0.01 (`sCover` 3.77).
///    Disparities (and proxies) are multiplied by `s`. Shrinking by more than 2 is antialiased
///    (see ``Image/resized(width:height:antialiased:)``).
/// 2. **Flip with swapped views**, with probability `flipProbability`: the new left view is the
///    mirrored right view and the new right view the mirrored left view. Mirroring alone would
///    reverse the sign of disparity; swapping keeps "a point at `x` in the left view is at
///    `x − d` in the right view, `d ≥ 0`".
/// 3. **Vertical flip**, with probability `verticalFlipProbability` (0 by default): both views
///    mirrored top to bottom, unswapped. Rows stay epipolar lines and disparities keep their
///    values; the network sees what is above as below (lighting, ground, the tops of objects).
///    Drawn last, and only when the probability is positive, so that its other draws, and every
///    recipe without it, are unchanged.
/// 4. **Photometric jitter**, the same for both views: `v ← v^γ`, then contrast `c` around the
///    pair's mean, brightness `b`, per-channel gain `g_c`, clamped to [0, 1]:
///    `v ← clamp(g_c · b · (m + c · (v − m)))`.
public struct AugmentationConfiguration: Sendable, Hashable, Codable {
  /// The smallest fraction of the scaled image the crop must cover, in (0, 1]; 1 disables random
  /// scaling (the crop is cut at `sFit`).
  public var minimumCoverage: Float
  /// The largest scale `s` drawn (`sMax`'s cap), positive; 1 (the default) never enlarges an
  /// image larger than the window, 2 may double its size and its disparities.
  public var maximumScale: Float
  /// The probability of a flip with swapped views.
  public var flipProbability: Float
  /// The probability of a vertical flip of both views.
  public var verticalFlipProbability: Float
  /// The range of the brightness factor `b`.
  public var brightness: ClosedRange<Float>
  /// The range of the contrast factor `c`.
  public var contrast: ClosedRange<Float>
  /// The range of the gamma `γ`.
  public var gamma: ClosedRange<Float>
  /// The range of each channel's gain `g_c`.
  public var channelGain: ClosedRange<Float>

  /// Creates a configuration; the defaults are light jitter as in Godard et al., CVPR 2017.
  public init(
    minimumCoverage: Float = 0.25, maximumScale: Float = 1, flipProbability: Float = 0.5,
    brightness: ClosedRange<Float> = 0.8...1.2, contrast: ClosedRange<Float> = 0.8...1.2,
    gamma: ClosedRange<Float> = 0.8...1.2, channelGain: ClosedRange<Float> = 0.9...1.1,
    verticalFlipProbability: Float = 0
  ) {
    let problems = Self.scaleProblems(minimumCoverage: minimumCoverage, maximumScale: maximumScale)
    precondition(problems.isEmpty, problems.joined(separator: "; "))
    precondition(
      (0...1).contains(flipProbability) && (0...1).contains(verticalFlipProbability),
      "flip probabilities must be in [0, 1], got \(flipProbability), \(verticalFlipProbability)")
    precondition(
      brightness.lowerBound > 0 && contrast.lowerBound >= 0 && gamma.lowerBound > 0
        && channelGain.lowerBound > 0,
      "Jitter ranges must be positive")
    self.minimumCoverage = minimumCoverage
    self.maximumScale = maximumScale
    self.flipProbability = flipProbability
    self.verticalFlipProbability = verticalFlipProbability
    self.brightness = brightness
    self.contrast = contrast
    self.gamma = gamma
    self.channelGain = channelGain
  }

  /// The problems with a coverage and a largest scale, as one-line messages (empty when valid):
  /// `minimumCoverage` must lie in (0, 1] and `maximumScale` be positive and finite.
  public static func scaleProblems(minimumCoverage: Float, maximumScale: Float) -> [String] {
    var problems: [String] = []
    if !(minimumCoverage > 0 && minimumCoverage <= 1) {
      problems.append("the minimum coverage must lie in (0, 1], got \(minimumCoverage)")
    }
    if !(maximumScale > 0 && maximumScale.isFinite) {
      problems.append("the largest scale must be positive, got \(maximumScale)")
    }
    return problems
  }

  /// The problems with this configuration (a decoded one is not checked by the initialiser).
  public var problems: [String] {
    Self.scaleProblems(minimumCoverage: minimumCoverage, maximumScale: maximumScale)
  }

  /// The range `[sFit, sMax]` the scale of a `imageWidth × imageHeight` image is drawn from for a
  /// `cropWidth × cropHeight` window (see the formula above).
  public func scaleRange(imageWidth: Int, imageHeight: Int, cropWidth: Int, cropHeight: Int)
    -> ClosedRange<Float>
  {
    let fit = AugmentationPlan.fittingScale(
      imageWidth: imageWidth, imageHeight: imageHeight, cropWidth: cropWidth, cropHeight: cropHeight
    )
    let covering =
      (Float(cropWidth * cropHeight) / (minimumCoverage * Float(imageWidth * imageHeight)))
      .squareRoot()
    return fit...max(fit, min(maximumScale, covering))
  }

  /// The default: random scale, flips and light photometric jitter.
  public static let standard = AugmentationConfiguration()

  /// Random crop position only: no scaling beyond fitting, no flip, no jitter.
  public static let cropOnly = AugmentationConfiguration(
    minimumCoverage: 1, flipProbability: 0, brightness: 1...1, contrast: 1...1, gamma: 1...1,
    channelGain: 1...1)
}

extension AugmentationConfiguration {
  private enum CodingKeys: String, CodingKey {
    case minimumCoverage, maximumScale, flipProbability, verticalFlipProbability, brightness
    case contrast, gamma, channelGain
  }

  /// Decodes a configuration; ``maximumScale`` is 1 and ``verticalFlipProbability`` 0 when
  /// absent (recipes written before them), so older runs draw the same pairs.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    minimumCoverage = try container.decode(Float.self, forKey: .minimumCoverage)
    maximumScale = try container.decodeIfPresent(Float.self, forKey: .maximumScale) ?? 1
    flipProbability = try container.decode(Float.self, forKey: .flipProbability)
    verticalFlipProbability =
      try container.decodeIfPresent(Float.self, forKey: .verticalFlipProbability) ?? 0
    brightness = try container.decode(ClosedRange<Float>.self, forKey: .brightness)
    contrast = try container.decode(ClosedRange<Float>.self, forKey: .contrast)
    gamma = try container.decode(ClosedRange<Float>.self, forKey: .gamma)
    channelGain = try container.decode(ClosedRange<Float>.self, forKey: .channelGain)
  }
}

/// The random choices for one pair, drawn by
/// ``AugmentationPlan/init(configuration:imageWidth:imageHeight:cropWidth:cropHeight:using:)``.
struct AugmentationPlan {
  var scale: Float
  var originX: Int
  var originY: Int
  var flip: Bool
  var verticalFlip: Bool
  var gamma: Float
  var contrast: Float
  var brightness: Float
  var gains: [Float]

  /// The scale at which a `cropWidth × cropHeight` window just fits an `imageWidth × imageHeight`
  /// image.
  static func fittingScale(imageWidth: Int, imageHeight: Int, cropWidth: Int, cropHeight: Int)
    -> Float
  {
    max(Float(cropHeight) / Float(imageHeight), Float(cropWidth) / Float(imageWidth))
  }

  /// The largest valid window origin along one axis of an image of `length` scaled by `scale`.
  static func maximumOrigin(length: Int, scale: Float, crop: Int) -> Int {
    max(Int((Float(length) * scale).rounded(.down)) - crop, 0)
  }

  init(
    configuration: AugmentationConfiguration, imageWidth: Int, imageHeight: Int, cropWidth: Int,
    cropHeight: Int, using generator: inout SeededGenerator
  ) {
    let range = configuration.scaleRange(
      imageWidth: imageWidth, imageHeight: imageHeight, cropWidth: cropWidth, cropHeight: cropHeight
    )
    let (fit, largest) = (range.lowerBound, range.upperBound)
    // Log-uniform: shrinking by 2 is as likely as by 1/2 of that.
    let logScale =
      largest > fit ? Float.random(in: log(fit)...log(largest), using: &generator) : log(fit)
    scale = min(max(exp(logScale), fit), largest)
    originX = Int.random(
      in: 0...Self.maximumOrigin(length: imageWidth, scale: scale, crop: cropWidth),
      using: &generator)
    originY = Int.random(
      in: 0...Self.maximumOrigin(length: imageHeight, scale: scale, crop: cropHeight),
      using: &generator)
    flip = Float.random(in: 0..<1, using: &generator) < configuration.flipProbability
    gamma = Float.random(in: configuration.gamma, using: &generator)
    contrast = Float.random(in: configuration.contrast, using: &generator)
    brightness = Float.random(in: configuration.brightness, using: &generator)
    gains = (0..<3).map { _ in Float.random(in: configuration.channelGain, using: &generator) }
    // Last, and only when it can happen: the draws above stay those of a recipe without it.
    verticalFlip =
      configuration.verticalFlipProbability > 0
      && Float.random(in: 0..<1, using: &generator) < configuration.verticalFlipProbability
  }

  /// Whether the photometric part changes nothing.
  var isPhotometricIdentity: Bool {
    gamma == 1 && contrast == 1 && brightness == 1 && gains.allSatisfy { $0 == 1 }
  }

  /// The augmented `[cropHeight, cropWidth, 3]` views.
  func apply(to sample: StereoSample, cropWidth: Int, cropHeight: Int) -> (
    left: Image, right: Image
  ) {
    var left = Self.cut(
      sample.left, scale: scale, originX: originX, originY: originY, width: cropWidth,
      height: cropHeight)
    var right = Self.cut(
      sample.right, scale: scale, originX: originX, originY: originY, width: cropWidth,
      height: cropHeight)
    if flip { (left, right) = (right.flippedHorizontally(), left.flippedHorizontally()) }
    if verticalFlip { (left, right) = (left.flippedVertically(), right.flippedVertically()) }
    if !isPhotometricIdentity { jitter(&left, &right) }
    return (left, right)
  }

  /// The proxy cut, scaled and flipped as ``apply(to:cropWidth:cropHeight:)`` cuts, scales and
  /// flips the views: the same window, disparities times the scale, with a flip the mirrored
  /// right view's proxy becomes the left view's, and with a vertical flip both are mirrored top
  /// to bottom.
  func apply(to proxy: StereoProxy, cropWidth: Int, cropHeight: Int) -> StereoProxy {
    let cut = proxy.resampled(
      scale: scale, originX: originX, originY: originY, width: cropWidth, height: cropHeight)
    let flipped = flip ? cut.flippedWithSwappedViews() : cut
    return verticalFlip ? flipped.flippedVertically() : flipped
  }

  /// A `width × height` window at `(originX, originY)` of `image` scaled by `scale`, antialiased
  /// when shrinking by more than 2.
  static func cut(_ image: Image, scale: Float, originX: Int, originY: Int, width: Int, height: Int)
    -> Image
  {
    var source = image
    var sourceScale = scale
    while sourceScale < 0.5 && source.width > 1 && source.height > 1 {
      source = source.halved(horizontally: true).halved(horizontally: false)
      sourceScale *= 2
    }
    return source.resampled(
      width: width, height: height, scaleX: sourceScale, scaleY: sourceScale,
      originX: Float(originX), originY: Float(originY))
  }

  /// Entries of the gamma lookup table over [0, 1]; linear interpolation between them is within
  /// 1.1e-4 of `pow` for γ in [0.8, 2] (the error peaks in the first interval, where `v^γ` bends
  /// most; it grows to 4e-3 at γ = 0.5).
  private static let gammaTableSize = 4096

  private func jitter(_ left: inout Image, _ right: inout Image) {
    // `pow` per value cost 8 ms for a 512x256 pair; a table lookup costs a fraction of that.
    let size = Self.gammaTableSize
    let table = (0...size).map { pow(Float($0) / Float(size), gamma) }
    let applyGamma = gamma != 1
    let sums = [0, 1].map { view in
      let pixels = view == 0 ? left.pixels : right.pixels
      return table.withUnsafeBufferPointer { table in
        pixels.withUnsafeBufferPointer { values -> Float in
          var sum: Float = 0
          for value in values {
            guard applyGamma else {
              sum += value
              continue
            }
            let position = min(max(value, 0), 1) * Float(size)
            let cell = min(Int(position), size - 1)
            sum += table[cell] + (position - Float(cell)) * (table[cell + 1] - table[cell])
          }
          return sum
        }
      }
    }
    let mean = (sums[0] + sums[1]) / Float(left.pixels.count + right.pixels.count)
    let (red, green, blue) = (gains[0] * brightness, gains[1] * brightness, gains[2] * brightness)
    let contrast = contrast
    func transform(_ pixels: inout [Float]) {
      table.withUnsafeBufferPointer { table in
        pixels.withUnsafeMutableBufferPointer { values in
          @inline(__always) func adjust(_ index: Int, _ factor: Float) {
            var value = values[index]
            if applyGamma {
              let position = min(max(value, 0), 1) * Float(size)
              let cell = min(Int(position), size - 1)
              value = table[cell] + (position - Float(cell)) * (table[cell + 1] - table[cell])
            }
            values[index] = min(max(factor * (mean + contrast * (value - mean)), 0), 1)
          }
          var index = 0
          while index + 2 < values.count {
            adjust(index, red)
            adjust(index + 1, green)
            adjust(index + 2, blue)
            index += 3
          }
        }
      }
    }
    transform(&left.pixels)
    transform(&right.pixels)
  }
}

extension StereoSample {
  /// The sample scaled so that a `width × height` window just fits, then cut at the centre: the
  /// deterministic counterpart of the training crop, used for validation.
  ///
  /// Views are resized bilinearly (antialiased), the disparity and the proxy by nearest neighbour
  /// with values times the scale, masks by nearest neighbour; the calibration is scaled.
  public func fitted(width: Int, height: Int) -> StereoSample {
    precondition(width > 0 && height > 0, "Cannot fit to \(width)x\(height)")
    let scale = AugmentationPlan.fittingScale(
      imageWidth: self.width, imageHeight: self.height, cropWidth: width, cropHeight: height)
    let originX = AugmentationPlan.maximumOrigin(length: self.width, scale: scale, crop: width) / 2
    let originY =
      AugmentationPlan.maximumOrigin(length: self.height, scale: scale, crop: height) / 2
    func cutMap(_ map: Image?, disparity: Bool) -> Image? {
      guard
        var result = map?.resampledNearest(
          width: width, height: height, scaleX: scale, scaleY: scale, originX: Float(originX),
          originY: Float(originY))
      else { return nil }
      if disparity { for index in result.pixels.indices { result.pixels[index] *= scale } }
      return result
    }
    var fitted = StereoSample(
      left: AugmentationPlan.cut(
        left, scale: scale, originX: originX, originY: originY, width: width, height: height),
      right: AugmentationPlan.cut(
        right, scale: scale, originX: originX, originY: originY, width: width, height: height),
      disparity: cutMap(disparity, disparity: true),
      nonOccludedMask: cutMap(nonOccludedMask, disparity: false),
      evaluationMask: cutMap(evaluationMask, disparity: false),
      discontinuityMask: cutMap(discontinuityMask, disparity: false),
      calibration: calibration?.scaled(by: scale),
      maximumDisparity: maximumDisparity.map { $0 * scale },
      source: source, identifier: identifier)
    fitted.proxy = proxy?.resampled(
      scale: scale, originX: originX, originY: originY, width: width, height: height)
    return fitted
  }
}
