import StereoTensor

extension InferencePlan {
  /// Both views' disparity and confidences, from a plan compiled with ``ScoredViews/both``.
  ///
  /// The right view's disparity `d_R` maps right `x` to left `x + d_R(x)` (positive, as the
  /// left view's). For a coarse-to-fine network both are the last scale's expectation plus
  /// that view's base disparity; when the right view ends `k` scales earlier
  /// (``rightOutputFactor`` = `2^k ×` ``outputFactor``), its disparity is up-sampled bilinearly
  /// to the left view's size and multiplied by `2^k`.
  ///
  /// - Parameter input: `[N, H, W, 6]` (left RGB, right RGB), H and W multiples of
  ///   ``WNetConfiguration/sizeMultiple``.
  /// - Returns: `[N, H, W, 1]` each: the left view's expected disparity and peak probability
  ///   (not its entropy: nothing that checks both views reads it), and the right view's expected
  ///   disparity.
  public func bothViews(_ input: Tensor) -> (
    disparity: Tensor, peak: Tensor, rightDisparity: Tensor
  ) {
    summarizeBothViews(scores(input, fusingHead: true))
  }

  /// ``bothViews(_:)`` on the views given apart, `[N, H, W, 3]` each (the same values, without
  /// concatenating them first; ``scores(left:right:)``).
  public func bothViews(left: Tensor, right: Tensor) -> (
    disparity: Tensor, peak: Tensor, rightDisparity: Tensor
  ) {
    summarizeBothViews(scores(left: left, right: right, fusingHead: true))
  }

  /// Both views' maps from their scores and bases.
  private func summarizeBothViews(_ scores: Scores) -> (
    disparity: Tensor, peak: Tensor, rightDisparity: Tensor
  ) {
    precondition(
      rightResult != nil || rightBase != nil, "bothViews needs a plan compiled with views: .both")
    let (base, rightBase) = (scores.base, scores.rightBase)
    return Profiler.measure("softmax+expectation") {
      withoutGradients {
        // Each head and its summary in one kernel where the plan fused them (fusedHead).
        let left =
          if let headInput = scores.headInput, let head = fusedHead {
            DisparityConfidence.disparityAndPeak(
              headInput: headInput, filter: head.filter, bias: head.bias,
              minimumDisparity: minimumDisparity, base: base)
          } else {
            DisparityConfidence.disparityAndPeak(
              logits: scores.logits!, minimumDisparity: minimumDisparity, base: base)
          }
        // The right view's disparity only: its confidences are never read.
        var rightDisparity =
          if let headInput = scores.rightHeadInput, let head = rightFusedHead {
            DisparityConfidence.disparityAndPeak(
              headInput: headInput, filter: head.filter, bias: head.bias,
              minimumDisparity: rightMinimumDisparity, base: rightBase
            ).disparity
          } else if let rightLogits = scores.rightLogits {
            DisparityConfidence.expectedDisparity(
              logits: rightLogits, minimumDisparity: rightMinimumDisparity, base: rightBase)
          } else {
            // A propagated hand-on (rightHandOnPropagated): the base is the estimate.
            rightBase!
          }
        if rightOutputFactor != outputFactor {
          let (_, height, width, _) = left.disparity.nhwc("bothViews")
          let factor = Float(rightOutputFactor / outputFactor)
          rightDisparity =
            rightDisparity.shape[1] * 2 == height && rightDisparity.shape[2] * 2 == width
            ? rightDisparity.upsampled2xScaled(by: factor)
            : rightDisparity.resizedBilinear(height: height, width: width) * factor
        }
        return (left.disparity, left.peak, rightDisparity)
      }
    }
  }
}
