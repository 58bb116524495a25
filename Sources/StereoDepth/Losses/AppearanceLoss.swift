import StereoTensor

/// The photometric error between a rendered view and the real one.
public enum AppearanceLoss {
  /// The per-pixel error `[N, H, W, 1]`: the channel mean of `|x − y|`, or with `ssimWeight = α >
  /// 0`, `α·(1 − SSIM)/2 + (1 − α)·|x − y|` (Monodepth's appearance term). With `census`, the
  /// soft census distance (``CensusLoss/perPixel(_:_:radius:)``) takes the place of `|x − y|`.
  public static func perPixel(
    _ rendered: Tensor, _ target: Tensor, ssimWeight: Float, census: Bool = false
  ) -> Tensor {
    precondition(
      rendered.shape == target.shape, "Rendered \(rendered.shape) and target \(target.shape) differ"
    )
    let l1 =
      census
      ? CensusLoss.perPixel(rendered, target)
      : (rendered - target).abs().mean(axes: [3], keepingDimensions: true)
    guard ssimWeight > 0 else { return l1 }
    let dissimilarity = ((1 - ssim(rendered, target)) * 0.5).mean(
      axes: [3], keepingDimensions: true)
    let clamped = Tensor.minimum(Tensor.maximum(dissimilarity, Tensor(0)), Tensor(1))
    return clamped * ssimWeight + l1 * (1 - ssimWeight)
  }

  /// Structural similarity over 3×3 windows (edge-replicated), per pixel and channel:
  ///
  ///     SSIM = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))
  ///
  /// with C1 = 0.01², C2 = 0.03². Wang et al., IEEE TIP 2004.
  public static func ssim(_ x: Tensor, _ y: Tensor) -> Tensor {
    let c1: Float = 0.0001, c2: Float = 0.0009
    let muX = boxMean3x3(x), muY = boxMean3x3(y)
    let sigmaX = boxMean3x3(x.squared()) - muX.squared()
    let sigmaY = boxMean3x3(y.squared()) - muY.squared()
    let sigmaXY = boxMean3x3(x * y) - muX * muY
    let numerator = ((muX * muY) * 2 + c1) * (sigmaXY * 2 + c2)
    let denominator = (muX.squared() + muY.squared() + c1) * (sigmaX + sigmaY + c2)
    return numerator / denominator
  }

  /// The mean over each 3×3 window, edges replicated: `[N, H, W, C]` → `[N, H, W, C]`.
  public static func boxMean3x3(_ x: Tensor) -> Tensor {
    let c = x.shape[3]
    let padded = x.padded(axis: 1, before: 1, after: 1, mode: .replicate)
      .padded(axis: 2, before: 1, after: 1, mode: .replicate)
    let filter = Tensor(shape: [c, 3, 3, 1], repeating: 1.0 / 9)
    return padded.convolved2D(with: filter, geometry: ConvolutionGeometry(groups: c))
  }

  /// `Σ w·e / Σ w` for a per-pixel error `e` and constant weights `w`, both `[N, H, W, 1]`.
  public static func weightedMean(_ error: Tensor, weights: Tensor?) -> Tensor {
    guard let weights else { return error.mean() }
    let total = Swift.max(weights.sum().scalar, 1e-6)
    return (error * weights.detached).sum().scaled(by: 1 / total)
  }
}
