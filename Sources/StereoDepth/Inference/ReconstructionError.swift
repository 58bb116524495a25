import StereoData

/// How well a left-view disparity rebuilds the left view from the right: the criterion
/// ``InferenceUpscale`` chooses a factor by.
///
/// With `u = x − d(x)` and the right view read with linear sampling along the row,
///
///     E = mean over { x : 0 ≤ u ≤ W − 1 } of  (1/C) Σ_c |L_c(x) − R_c(u)|
///
/// Pixels whose match leaves the right view, or whose disparity is not finite, are left out;
/// `nil` when no pixel remains.
public enum ReconstructionError {
  /// `E` for views `H × W × C` and a disparity `H × W × 1` of the same size.
  public static func meanAbsolute(left: Image, right: Image, disparity: Image) -> Double? {
    precondition(
      left.width == right.width && left.height == right.height && left.channels == right.channels
        && disparity.width == left.width && disparity.height == left.height
        && disparity.channels == 1,
      "Views \(left.width)x\(left.height)x\(left.channels) and "
        + "\(right.width)x\(right.height)x\(right.channels) and disparity "
        + "\(disparity.width)x\(disparity.height)x\(disparity.channels) must agree")
    let (width, channels) = (left.width, left.channels)
    var total = 0.0
    var count = 0
    for y in 0..<left.height {
      for x in 0..<width {
        let u = Float(x) - disparity.pixels[y * width + x]
        guard u >= 0, u <= Float(width - 1) else { continue }
        let x0 = Int(u)
        let x1 = min(x0 + 1, width - 1)
        let f = u - Float(x0)
        var sum: Float = 0
        for c in 0..<channels {
          let sampled =
            (1 - f) * right.pixels[(y * width + x0) * channels + c]
            + f * right.pixels[(y * width + x1) * channels + c]
          sum += abs(left.pixels[(y * width + x) * channels + c] - sampled)
        }
        total += Double(sum / Float(channels))
        count += 1
      }
    }
    return count > 0 ? total / Double(count) : nil
  }
}
