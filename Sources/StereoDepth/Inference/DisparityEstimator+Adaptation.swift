import StereoData

extension DisparityEstimator {
  /// A copy of the model adapted to the pair `left`, `right` at `width × height` (the working
  /// size, unpadded), as
  /// ``predict(left:right:maximumDisparity:keepProbabilities:adaptation:invalidPixels:compactMemory:upscale:)``
  /// adapts it (``TestTimeAdaptation/adapted(_:left:right:)``), with the losses before and after.
  func adaptedModel(
    left: Image, right: Image, width: Int, height: Int, adaptation: TestTimeAdaptation
  ) throws -> (model: WNet, before: Float, after: Float) {
    let views = paddedViews(left: left, right: right, width: width, height: height, columns: 0)
    return try adaptation.adapted(model, left: views.left, right: views.right)
  }

  /// An estimator of this model adapted to the pair `left`, `right`, as `predict` adapts it.
  ///
  /// The adaptation is `predict`'s with `adaptation` and `upscale` (one factor), so that more
  /// maps of the same scene (such as the mirrored pair's) come from the same adapted weights
  /// without adapting again. No maximum disparity is stated.
  ///
  /// - Throws: ``InferenceError`` when `upscale` searches several factors, or as adaptation
  ///   throws.
  public func adapted(
    toLeft left: Image, right: Image, adaptation: TestTimeAdaptation,
    upscale: InferenceUpscale = .none
  ) throws -> DisparityEstimator {
    let upscale = upscale.applicable(to: model.configuration)
    let factors = upscale.factors(width: left.width, height: left.height, cappedAt: .infinity)
    guard factors.count == 1 else {
      throw InferenceError(
        "test-time adaptation runs at one size: not with an upscale search ('auto')")
    }
    let (width, height) = workingSize(
      width: left.width, height: left.height, maximumDisparity: nil, factor: factors[0])
    let result = try adaptedModel(
      left: left, right: right, width: width, height: height, adaptation: adaptation)
    return DisparityEstimator(
      model: result.model, defaultDisparityFraction: defaultDisparityFraction)
  }
}
