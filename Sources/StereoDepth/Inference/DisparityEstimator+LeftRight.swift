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
  ///     up-sampled to the left view's size (``InferencePlan/init(_:views:droppingFinestScales:rightDroppingScales:rightHandOnPropagated:)``).
  ///   - rightHandOnPropagated: Hand the right view's last estimate on by propagation
  ///     (``InvalidPixelRule/rightViewHandOn``).
  ///   - borderPadding: `P`: both views get `P'` edge-replicated columns at their left side
  ///     first (`P` rounded up to a multiple of the plan's output factor), and the maps lose them
  ///     again before the check (``InvalidPixelRule/borderPadding``).
  ///   - rowPadding: `R`: as many rows, `R'` (rounded up as `P`), at their top and at their
  ///     bottom, cropped as the columns are (``InvalidPixelRule/rowPadding``).
  /// - Returns: `[N, H, W, 1]` each: expected disparity and peak probability (working pixels,
  ///   as ``estimate(left:right:droppingFinestScales:)``; no entropy confidence), and
  ///   `e = |d_L(x) − d_R(x − d_L(x))|` (``LeftRightConsistency``, `+∞` where unchecked), and
  ///   the right view's disparity `d_R`.
  public func estimateBothViews(
    left: Tensor, right: Tensor, droppingFinestScales dropped: Int = 0,
    rightDroppingScales rightDropped: Int = 0, rightHandOnPropagated: Bool = false,
    borderPadding: Int = 0, rowPadding: Int = 0
  ) -> (
    disparity: Tensor, peak: Tensor, leftRightDifference: Tensor, rightDisparity: Tensor
  ) {
    withoutGradients {
      let plan = self.plan(
        views: .both, droppingFinestScales: dropped, rightDroppingScales: rightDropped,
        rightHandOnPropagated: rightHandOnPropagated)
      return estimateBothViews(
        paddedViews(
          left: left, right: right, columns: Self.wholeBorder(borderPadding, plan: plan),
          rows: Self.wholeBorder(rowPadding, plan: plan)),
        droppingFinestScales: dropped, rightDroppingScales: rightDropped,
        rightHandOnPropagated: rightHandOnPropagated)
    }
  }

  /// ``estimateBothViews(left:right:droppingFinestScales:rightDroppingScales:rightHandOnPropagated:borderPadding:rowPadding:)``
  /// on views padded already (their ``PaddedViews/columns`` and ``PaddedViews/rows`` multiples of
  /// the plan's output factor, ``wholeBorder(_:plan:)``).
  func estimateBothViews(
    _ views: PaddedViews, droppingFinestScales dropped: Int, rightDroppingScales rightDropped: Int,
    rightHandOnPropagated: Bool = false
  ) -> (
    disparity: Tensor, peak: Tensor, leftRightDifference: Tensor, rightDisparity: Tensor
  ) {
    withoutGradients {
      let plan = self.plan(
        views: .both, droppingFinestScales: dropped, rightDroppingScales: rightDropped,
        rightHandOnPropagated: rightHandOnPropagated)
      let factor = plan.outputFactor
      precondition(
        views.columns % factor == 0 && views.rows % factor == 0,
        "\(views.columns) padded columns or \(views.rows) rows are not whole pixels at 1/\(factor)")
      // Reassigned, so that the padded maps are freed once cropped.
      var maps = plan.bothViews(left: views.left, right: views.right)
      maps = (
        views.cropped(maps.disparity, factor: factor), views.cropped(maps.peak, factor: factor),
        views.cropped(maps.rightDisparity, factor: factor)
      )
      // Cropped before the check: padded columns and rows are not the other view's content.
      let difference = Profiler.measure("left-right check") {
        LeftRightConsistency.difference(
          own: maps.disparity, other: maps.rightDisparity, direction: -1)
      }
      return (maps.disparity, maps.peak, difference, maps.rightDisparity)
    }
  }
}
