import StereoData

extension DisparityEstimator {
  /// ``predict(left:right:maximumDisparity:keepProbabilities:adaptation:invalidPixels:compactMemory:upscale:)``
  /// after validation: each of `upscale`'s factors, capped so that `maximumDisparity` (when
  /// given) stays within the model's range, and, with more than one, the prediction whose
  /// ``ReconstructionError`` at the input's size is lowest (the first on a tie), with every
  /// trial in ``DisparityPrediction/upscaleTrials``.
  ///
  /// ``InferenceUpscale/small`` runs the pair at its own size when its enlargement would not fit
  /// in memory.
  func predict(
    left: Image, right: Image, maximumDisparity: Float?, keepProbabilities: Bool,
    adaptation: TestTimeAdaptation?, invalidPixels: InvalidPixelRule?, compactMemory: Bool,
    searching upscale: InferenceUpscale
  ) throws -> DisparityPrediction {
    let modelMaximum = Float(max(model.configuration.maximumDisparity, 1))
    let factors = upscale.factors(
      width: left.width, height: left.height,
      cappedAt: maximumDisparity.map { modelMaximum / $0 } ?? .infinity)
    func run(_ factor: Float) throws -> DisparityPrediction {
      try predict(
        left: left, right: right, maximumDisparity: maximumDisparity,
        keepProbabilities: keepProbabilities, adaptation: adaptation,
        invalidPixels: invalidPixels, compactMemory: compactMemory, factor: factor,
        endingAtHalfScale: upscale.endsAtHalfScale)
    }
    guard factors.count > 1 else {
      guard upscale.targetPixels != nil, factors[0] > 1 else { return try run(factors[0]) }
      // A policy by size gives way to memory, and to nothing else (a diverged adaptation
      // is reported, not run again at another size).
      do {
        return try run(factors[0])
      } catch let error as InferenceError where error.kind == .memory {
        return try run(1)
      }
    }
    let (leftRGB, rightRGB) = (Self.rgb(left), Self.rgb(right))
    var best: (prediction: DisparityPrediction, error: Double)?
    var trials: [UpscaleTrial] = []
    for factor in factors {
      let prediction: DisparityPrediction
      do {
        prediction = try run(factor)
      } catch let error as InferenceError where error.kind == .memory && factor > 1 && best != nil {
        // An enlargement that would not fit in memory is skipped, and the smaller ones stand.
        trials.append(UpscaleTrial(factor: factor, reconstructionError: nil))
        continue
      }
      let error = ReconstructionError.meanAbsolute(
        left: leftRGB, right: rightRGB, disparity: prediction.disparity)
      trials.append(UpscaleTrial(factor: factor, reconstructionError: error))
      if best == nil || (error ?? .infinity) < best!.error {
        best = (prediction, error ?? .infinity)
      }
    }
    var chosen = best!.prediction
    chosen.upscaleTrials = trials
    return chosen
  }
}
