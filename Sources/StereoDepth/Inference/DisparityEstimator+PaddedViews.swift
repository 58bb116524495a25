import StereoData
import StereoTensor

/// A batch of views edge-padded for an ``InferencePlan``: `columns` copies of the first column
/// at the left side (``InvalidPixelRule/borderPadding``), then rows at the bottom and columns at
/// the right up to the model's size multiple.
struct PaddedViews {
  /// `[N, H', W', 3]` each, `H' = ⌈H⌉` and `W' = ⌈W + columns⌉` rounded up to the model's size
  /// multiple.
  let left: Tensor
  let right: Tensor
  /// `H` and `W`: the views' own size.
  let height: Int
  let width: Int
  /// The columns added at the left side, a multiple of the plan's output factor.
  let columns: Int
  /// The rows added at the top (and as many, at least, at the bottom), a multiple of the plan's
  /// output factor.
  var rows = 0

  /// Whether the views carry border padding (columns or rows) beyond the size multiple.
  var isBordered: Bool { columns != 0 || rows != 0 }

  /// A plan's `[N, H'/f, W'/f, C]` map cropped back to the views' `[N, H/f, W/f, C]` (`f`, the
  /// plan's output factor, must divide `H`, `W`, ``columns`` and ``rows``); the map itself when
  /// nothing was padded.
  func cropped(_ map: Tensor, factor: Int) -> Tensor {
    let (height, width) = DisparityEstimator.outputSize(
      height: height, width: width, factor: factor)
    guard map.shape[1] != height || map.shape[2] != width else { return map }
    let (top, first) = (rows / factor, columns / factor)
    return map.slice(axis: 1, top..<(top + height)).slice(axis: 2, first..<(first + width))
  }
}

extension DisparityEstimator {
  /// A border padding (`P` columns at the left, or `R` rows at the top and bottom) rounded up to
  /// a multiple of `plan`'s output factor, so that the crop removes whole output pixels.
  static func wholeBorder(_ padding: Int, plan: InferencePlan) -> Int {
    precondition(padding >= 0, "DisparityEstimator: negative border padding \(padding)")
    let factor = plan.outputFactor
    return (padding + factor - 1) / factor * factor
  }

  /// `left` and `right` (`[N, H, W, 3]`, the same shape) padded by ``padded(_:left:rows:)``.
  func paddedViews(left: Tensor, right: Tensor, columns: Int, rows: Int = 0) -> PaddedViews {
    let (_, h, w, _) = left.nhwc("DisparityEstimator left")
    precondition(
      left.shape == right.shape,
      "Left \(left.shape) and right \(right.shape) views differ in size")
    return PaddedViews(
      left: padded(left, left: columns, rows: rows),
      right: padded(right, left: columns, rows: rows), height: h, width: w, columns: columns,
      rows: rows)
  }

  /// Two images resized to `width × height` and padded, one view at a time: the pass holds only
  /// the padded copies (`[1, H', W', 3]` each), never an unpadded one beside them.
  func paddedViews(
    left: Image, right: Image, width: Int, height: Int, columns: Int, rows: Int = 0
  ) -> PaddedViews {
    withoutGradients {
      PaddedViews(
        left: padded(resized(left, width: width, height: height), left: columns, rows: rows),
        right: padded(resized(right, width: width, height: height), left: columns, rows: rows),
        height: height, width: width, columns: columns, rows: rows)
    }
  }
}
