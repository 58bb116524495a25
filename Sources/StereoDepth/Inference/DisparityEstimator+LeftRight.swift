import StereoTensor

extension DisparityEstimator {
  /// The left view's disparity and confidences with its left-right disagreement, for a batch at
  /// the network's resolution (``bothViewsPlan``, one pass scoring both views).
  ///
  /// - Parameters:
  ///   - left: `[N, H, W, 3]` in [0, 1], any `H` and `W` (edge-padded, then cropped back).
  ///   - right: The right views, the same shape.
  ///   - droppingFinestScales: As in ``estimate(left:right:droppingFinestScales:)``.
  ///   - rightDroppingScales: End the right view's estimate this many scales earlier still,
  ///     up-sampled to the left view's size (``InferencePlan/init(_:views:droppingFinestScales:rightDroppingScales:)``).
  ///   - borderPadding: `P`: both views get `P'` edge-replicated columns at their left side
  ///     first (`P` rounded up to a multiple of the plan's output factor), and the maps lose them
  ///     again before the check (``InvalidPixelRule/borderPadding``).
  /// - Returns: `[N, H, W, 1]` each: expected disparity and peak probability (working pixels,
  ///   as ``estimate(left:right:droppingFinestScales:)``; no entropy confidence), and
  ///   `e = |d_L(x) − d_R(x − d_L(x))|` (``LeftRightConsistency``, `+∞` where unchecked), and
  ///   the right view's disparity `d_R`.
  public func estimateBothViews(
    left: Tensor, right: Tensor, droppingFinestScales dropped: Int = 0,
    rightDroppingScales rightDropped: Int = 0, borderPadding: Int = 0
  ) -> (
    disparity: Tensor, peak: Tensor, leftRightDifference: Tensor, rightDisparity: Tensor
  ) {
    withoutGradients {
      let (_, h, w, _) = left.nhwc("DisparityEstimator left")
      precondition(
        left.shape == right.shape,
        "Left \(left.shape) and right \(right.shape) views differ in size")
      let plan = self.plan(
        views: .both, droppingFinestScales: dropped, rightDroppingScales: rightDropped)
      precondition(borderPadding >= 0, "DisparityEstimator: negative border padding")
      let factor = plan.outputFactor
      let columns = (borderPadding + factor - 1) / factor * factor
      var maps = plan.bothViews(
        left: padded(left, left: columns), right: padded(right, left: columns))
      let (height, width) = Self.outputSize(height: h, width: w, factor: factor)
      if maps.disparity.shape[1] != height || maps.disparity.shape[2] != width {
        let first = columns / factor
        func crop(_ map: Tensor) -> Tensor {
          map.slice(axis: 1, 0..<height).slice(axis: 2, first..<(first + width))
        }
        maps = (crop(maps.disparity), crop(maps.peak), crop(maps.rightDisparity))
      }
      // Cropped before the check: padded columns are not the other view's content.
      let difference = Profiler.measure("left-right check") {
        LeftRightConsistency.difference(
          own: maps.disparity, other: maps.rightDisparity, direction: -1)
      }
      return (maps.disparity, maps.peak, difference, maps.rightDisparity)
    }
  }
}
