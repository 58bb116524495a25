import StereoTensor

/// Regularisers that make disparity smooth where the image is.
public enum SmoothnessLoss {
  /// Edge-aware smoothness on mean-normalised disparity (Monodepth2):
  ///
  ///     d̄ = (d − d₀) / (mean_{H,W}(d − d₀) + 1e-7)        per sample; d₀ = the smallest candidate
  ///     mean(|∂x d̄|·exp(−mean_c|∂x I|)) + mean(|∂y d̄|·exp(−mean_c|∂y I|))
  ///
  /// - Parameters:
  ///   - disparity: `[N, H, W, 1]`.
  ///   - image: `[N, H, W, C]`, the view the disparity belongs to.
  ///   - minimumDisparity: d₀, so that the normalised map is non-negative.
  public static func edgeAware(disparity: Tensor, image: Tensor, minimumDisparity: Float) -> Tensor
  {
    let normalised = meanNormalised(disparity, minimumDisparity: minimumDisparity)
    var total: Tensor?
    for axis in [2, 1] {
      let extent = disparity.shape[axis]
      guard extent > 1 else { continue }
      let dd =
        (normalised.slice(axis: axis, 1..<extent) - normalised.slice(axis: axis, 0..<(extent - 1)))
        .abs()
      let di = (image.slice(axis: axis, 1..<extent) - image.slice(axis: axis, 0..<(extent - 1)))
        .abs()
        .mean(axes: [3], keepingDimensions: true)
      let term = (dd * (-di).exp()).mean()
      total = total.map { $0 + term } ?? term
    }
    return total ?? Tensor(0)
  }

  /// `d̄ = (d − d₀) / (mean_{H,W}(d − d₀) + 1e-7)` per sample, for a disparity `[N, H, W, 1]`:
  /// the map the edge-aware terms smooth, so that their size does not grow with the range.
  static func meanNormalised(_ disparity: Tensor, minimumDisparity: Float) -> Tensor {
    let shifted = minimumDisparity == 0 ? disparity : disparity - minimumDisparity
    return shifted / (shifted.mean(axes: [1, 2], keepingDimensions: true) + 1e-7)
  }

  /// The 2017 W-net's gradient magnitude of a map `[N, H, W, 1]`, with the 2-pixel border cropped:
  ///
  ///     G(y, x) = 0.25·√((f(y,x) − f(y−1,x))² + (f(y,x) − f(y+1,x))² + (f(y,x) − f(y,x−1))² + (f(y,x) − f(y,x+1))² + ε)
  ///
  /// for 2 ≤ y < H − 2, 2 ≤ x < W − 2 (ε = 1e-8 keeps the gradient finite where f is flat).
  /// - Returns: `[N, H − 4, W − 4, 1]`.
  public static func gradientMagnitude2017(_ f: Tensor) -> Tensor {
    let (_, h, w, _) = f.nhwc("gradientMagnitude2017")
    precondition(h > 4 && w > 4, "The 2017 gradient needs maps larger than 4x4, got \(f.shape)")
    func window(_ dy: Int, _ dx: Int) -> Tensor {
      f.slice(axis: 1, (2 + dy)..<(h - 2 + dy)).slice(axis: 2, (2 + dx)..<(w - 2 + dx))
    }
    let center = window(0, 0)
    let sum =
      (center - window(-1, 0)).squared() + (center - window(1, 0)).squared()
      + (center - window(0, -1)).squared() + (center - window(0, 1)).squared()
    return (sum + 1e-8).sqrt().scaled(by: 0.25)
  }

  /// The 2017 W-net smoothness: `mean(G(d)·(1 − G(gray / max gray)))`, gray the channel mean of the
  /// view, its maximum taken per sample (the original took it over the batch).
  public static func gradient2017(disparity: Tensor, image: Tensor) -> Tensor {
    let gray = image.mean(axes: [3], keepingDimensions: true).detached
    let normalisedGray = gray / (gray.max(axes: [1, 2, 3], keepingDimensions: true) + 1e-6)
    let weight = 1 - gradientMagnitude2017(normalisedGray)
    return (gradientMagnitude2017(disparity) * weight).mean()
  }
}
