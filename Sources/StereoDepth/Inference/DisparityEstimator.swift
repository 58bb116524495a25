import Foundation
import StereoData
import StereoNN
import StereoTensor

/// What ``DisparityEstimator`` gives for one pair, at the input's resolution.
public struct DisparityPrediction: Sendable {
  /// Left-view disparity in input pixels, `H × W × 1`.
  public var disparity: Image
  /// The peak probability of the left-view distribution, in [0, 1], `H × W × 1`.
  public var peakProbability: Image
  /// `1 − entropy / ln D` of the left-view distribution, in [0, 1], `H × W × 1`.
  public var entropyConfidence: Image
  /// The left-view distribution at the working resolution, `[1, h, w, D]`, if kept.
  public var probabilities: Tensor?
  /// The resolution the network ran at (before padding to its size multiple).
  public var workingWidth: Int
  public var workingHeight: Int
  /// Input pixels per working pixel, horizontally (disparities were multiplied by it).
  public var disparityScale: Float
  /// With test-time adaptation, the self-supervised loss before and after it.
  public var adaptationLosses: (before: Float, after: Float)?
}

/// A problem with an inference input, in one line.
public struct InferenceError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Runs a trained W-net on a rectified pair of any size.
///
/// The pair is resized so that the largest expected disparity fits the model's candidates
/// (`scale = min(1, d_max,model / d_max,input)`; ``defaultDisparityFraction`` of the input width
/// when not given), padded by edge replication to the model's size multiple, run in inference
/// mode, cropped, and the disparity map resized back to the input and multiplied by the
/// horizontal scale so that it is in input pixels.
public final class DisparityEstimator {
  public let model: WNet
  /// The share of the image width assumed to bound disparities when no maximum is given.
  public let defaultDisparityFraction: Float

  /// Creates an estimator for `model`.
  ///
  /// - Parameter defaultDisparityFraction: For a model trained on crops of width `w` with `D`
  ///   candidates, `(d_max) / w` makes the default working width equal the training width.
  private var cachedPlan: RealtimeInferencePlan?

  /// The compiled plan of the estimator's own model (built on first use).
  func plan(for network: RealtimeWNet) -> RealtimeInferencePlan {
    if let cachedPlan { return cachedPlan }
    let plan = RealtimeInferencePlan(network)
    cachedPlan = plan
    return plan
  }

  public init(model: WNet, defaultDisparityFraction: Float? = nil) {
    self.model = model
    self.defaultDisparityFraction = defaultDisparityFraction ?? Float(model.configuration.maximumDisparity) / 336
  }

  /// The working size for an input of `width × height`.
  public func workingSize(width: Int, height: Int, maximumDisparity: Float?) -> (width: Int, height: Int) {
    let modelMaximum = Float(max(model.configuration.maximumDisparity, 1))
    let inputMaximum = maximumDisparity ?? defaultDisparityFraction * Float(width)
    let scale = min(1, modelMaximum / max(inputMaximum, 1e-3))
    let multiple = model.configuration.sizeMultiple
    return (max(multiple, Int((Float(width) * scale).rounded())), max(multiple, Int((Float(height) * scale).rounded())))
  }

  /// Estimates the left view's disparity.
  ///
  /// - Parameters:
  ///   - left: An RGB image in [0, 1].
  ///   - right: The right view, the same size.
  ///   - maximumDisparity: The largest disparity expected, in input pixels.
  ///   - keepProbabilities: Keep the working-resolution distribution in the result.
  /// - Throws: ``InferenceError`` for views of different sizes or empty images.
  public func predict(
    left: Image, right: Image, maximumDisparity: Float? = nil, keepProbabilities: Bool = false,
    adaptation: TestTimeAdaptation? = nil
  ) throws -> DisparityPrediction {
    guard left.width == right.width, left.height == right.height else {
      throw InferenceError("the left view is \(left.width)x\(left.height) but the right view is \(right.width)x\(right.height); rectified pairs must have the same size")
    }
    guard left.width >= 2, left.height >= 2 else {
      throw InferenceError("the images are too small (\(left.width)x\(left.height))")
    }
    if let maximumDisparity, !(maximumDisparity > 0) {
      throw InferenceError("the maximum disparity must be positive, got \(maximumDisparity)")
    }
    let (width, height) = workingSize(width: left.width, height: left.height, maximumDisparity: maximumDisparity)
    var model = self.model
    var adaptationLosses: (before: Float, after: Float)?
    if let adaptation, adaptation.steps > 0 {
      let (l, r) = withoutGradients { (prepare(left, width: width, height: height), prepare(right, width: width, height: height)) }
      let result = try adaptation.adapted(model, left: l, right: r)
      model = result.model
      adaptationLosses = (result.before, result.after)
    }
    let scale = Float(left.width) / Float(width)
    func full(_ map: Tensor) -> Image { Image(map.resizedBilinear(height: left.height, width: left.width)) }
    func crop(_ map: Tensor) -> Tensor { map.slice(axis: 1, 0..<height).slice(axis: 2, 0..<width) }
    if !keepProbabilities, let network = model.network as? RealtimeWNet {
      return withoutGradients {
        // The planned path: folded, fused, no distribution stored.
        let plan = model === self.model ? self.plan(for: network) : RealtimeInferencePlan(network)
        let input = Tensor.concatenate([prepare(left, width: width, height: height), prepare(right, width: width, height: height)], axis: 3)
        let (disparity, peak, confidence) = plan(input)
        return DisparityPrediction(
          disparity: Image(crop(disparity).resizedBilinear(height: left.height, width: left.width) * scale),
          peakProbability: full(crop(peak)), entropyConfidence: full(crop(confidence)), probabilities: nil,
          workingWidth: width, workingHeight: height, disparityScale: scale, adaptationLosses: adaptationLosses)
      }
    }
    return withoutGradients {
      var context = ForwardContext.inference
      let input = Tensor.concatenate([prepare(left, width: width, height: height), prepare(right, width: width, height: height)], axis: 3)
      let logits = model.network.logits(input, context: &context).left
      let selection = model.leftSelection(logits: logits, source: input.slice(axis: 3, 3..<6))
      let probabilities = crop(selection.probabilities)
      let disparity = crop(selection.disparity).resizedBilinear(height: left.height, width: left.width) * scale
      let peak = probabilities.max(axes: [3], keepingDimensions: true)
      let entropy = -(probabilities * (probabilities + 1e-12).log()).sum(axes: [3], keepingDimensions: true)
      let entropyConfidence = 1 - entropy / Float(Foundation.log(Double(model.configuration.candidateCount)))
      return DisparityPrediction(
        disparity: Image(disparity), peakProbability: full(peak), entropyConfidence: full(entropyConfidence),
        probabilities: keepProbabilities ? probabilities : nil, workingWidth: width, workingHeight: height,
        disparityScale: scale, adaptationLosses: adaptationLosses)
    }
  }

  /// An image as the network's input: resized to `width × height`, then edge-padded to the model's
  /// size multiple, `[1, H', W', 3]`.
  func prepare(_ image: Image, width: Int, height: Int) -> Tensor {
    let multiple = model.configuration.sizeMultiple
    let paddedWidth = (width + multiple - 1) / multiple * multiple
    let paddedHeight = (height + multiple - 1) / multiple * multiple
    return Self.rgb(image).tensor.resizedBilinear(height: height, width: width)
      .padded(axis: 1, before: 0, after: paddedHeight - height, mode: .replicate)
      .padded(axis: 2, before: 0, after: paddedWidth - width, mode: .replicate)
  }

  /// The image as 3 channels (grey repeated).
  static func rgb(_ image: Image) -> Image {
    guard image.channels != 3 else { return image }
    var pixels = [Float](repeating: 0, count: image.width * image.height * 3)
    for index in 0..<(image.width * image.height) {
      for c in 0..<3 { pixels[index * 3 + c] = image.pixels[index * image.channels + min(c, image.channels - 1)] }
    }
    return Image(width: image.width, height: image.height, channels: 3, pixels: pixels)
  }
}
