import StereoData
import StereoTensor

/// Proxy disparities for a batch (from another method, for example OpenCV's semi-global
/// matcher), as the loss reads them: both views' disparities and confidences, `[N, H, W, 1]`
/// each at the batch's full resolution.
///
/// Pixels without a proxy have confidence 0; their disparity is stored as 0 (not `.infinity`),
/// so that `c·|d − p|` stays 0 there and its gradient finite. Pairs without proxies (synthetic
/// scenes in a mixed batch) are all confidence 0.
public struct ProxyTargets: Sendable {
  /// The left view's proxy disparity `p_L`, `[N, H, W, 1]`, in pixels.
  public var leftDisparity: Tensor
  /// The left view's confidence `c_L`, `[N, H, W, 1]` in [0, 1].
  public var leftConfidence: Tensor
  /// The right view's proxy disparity `p_R` (right `x` ↔ left `x + p_R`), `[N, H, W, 1]`.
  public var rightDisparity: Tensor
  /// The right view's confidence `c_R`, `[N, H, W, 1]` in [0, 1].
  public var rightConfidence: Tensor

  /// Creates targets; non-finite disparities, and pixels of confidence ≤ 0, become
  /// `p = 0, c = 0`.
  public init(
    leftDisparity: Tensor, leftConfidence: Tensor, rightDisparity: Tensor, rightConfidence: Tensor
  ) {
    precondition(
      [leftConfidence, rightDisparity, rightConfidence].allSatisfy {
        $0.shape == leftDisparity.shape
      } && leftDisparity.shape.count == 4 && leftDisparity.shape[3] == 1,
      "Proxy maps must be [N, H, W, 1] of one shape")
    (self.leftDisparity, self.leftConfidence) = Self.cleaned(leftDisparity, leftConfidence)
    (self.rightDisparity, self.rightConfidence) = Self.cleaned(rightDisparity, rightConfidence)
  }

  /// The targets of a loaded batch, or `nil` when it has no proxies.
  public init?(batch: StereoBatch) {
    guard let leftDisparity = batch.proxyDisparity, let leftConfidence = batch.proxyConfidence,
      let rightDisparity = batch.rightProxyDisparity,
      let rightConfidence = batch.rightProxyConfidence
    else { return nil }
    self.init(
      leftDisparity: leftDisparity, leftConfidence: leftConfidence,
      rightDisparity: rightDisparity, rightConfidence: rightConfidence)
  }

  /// The number of pairs, `N`.
  public var count: Int { leftDisparity.shape[0] }

  /// These targets followed by `extra` pairs without proxies (confidence 0), for a batch whose
  /// last pairs are synthetic scenes.
  public func padded(with extra: Int) -> ProxyTargets {
    guard extra > 0 else { return self }
    var shape = leftDisparity.shape
    shape[0] = extra
    let zeros = Tensor.zeros(shape)
    return withoutGradients {
      ProxyTargets(
        leftDisparity: Tensor.concatenate([leftDisparity, zeros], axis: 0),
        leftConfidence: Tensor.concatenate([leftConfidence, zeros], axis: 0),
        rightDisparity: Tensor.concatenate([rightDisparity, zeros], axis: 0),
        rightConfidence: Tensor.concatenate([rightConfidence, zeros], axis: 0))
    }
  }

  /// The targets at a scale of `factor` input pixels per pixel, `[N, ⌊H/f⌋, ⌊W/f⌋, 1]`: each
  /// `f × f` block's confidence-weighted mean disparity divided by `f` (disparities in the
  /// scale's pixels), and the block's mean confidence.
  public func downsampled(by factor: Int) -> ProxyTargets {
    precondition(factor >= 1, "The factor must be positive, got \(factor)")
    guard factor > 1 else { return self }
    func pool(_ disparity: Tensor, _ confidence: Tensor) -> (Tensor, Tensor) {
      let (n, height, width) = (disparity.shape[0], disparity.shape[1], disparity.shape[2])
      let (h, w) = (height / factor, width / factor)
      let p = disparity.scalars
      let c = confidence.scalars
      var pooledP = [Float](repeating: 0, count: n * h * w)
      var pooledC = pooledP
      for b in 0..<n {
        for y in 0..<h {
          for x in 0..<w {
            var (weight, sum) = (Float(0), Float(0))
            for dy in 0..<factor {
              for dx in 0..<factor {
                let index = (b * height + y * factor + dy) * width + x * factor + dx
                weight += c[index]
                sum += c[index] * p[index]
              }
            }
            let out = (b * h + y) * w + x
            pooledC[out] = weight / Float(factor * factor)
            pooledP[out] = weight > 0 ? sum / weight / Float(factor) : 0
          }
        }
      }
      return (
        Tensor(shape: [n, h, w, 1], scalars: pooledP),
        Tensor(shape: [n, h, w, 1], scalars: pooledC)
      )
    }
    let (leftP, leftC) = pool(leftDisparity, leftConfidence)
    let (rightP, rightC) = pool(rightDisparity, rightConfidence)
    return ProxyTargets(
      leftDisparity: leftP, leftConfidence: leftC, rightDisparity: rightP, rightConfidence: rightC)
  }

  private static func cleaned(_ disparity: Tensor, _ confidence: Tensor) -> (Tensor, Tensor) {
    var p = disparity.scalars
    var c = confidence.scalars
    for index in p.indices where !(p[index].isFinite && c[index] > 0 && c[index].isFinite) {
      p[index] = 0
      c[index] = 0
    }
    return (
      Tensor(shape: disparity.shape, scalars: p), Tensor(shape: confidence.shape, scalars: c)
    )
  }
}

/// The confidence-weighted proxy term of one view.
///
///     Σ_x c(x)·|d(x) − p(x)| / Σ_x c(x)
///
/// over every pixel of the batch (0 when no pixel has confidence); `c` and `p` are constants.
/// ``StereoLoss`` adds it for both views, weighted by ``LossConfiguration/proxyWeight``.
public enum ProxyLoss {
  /// The term for disparity `disparity` (`[N, H, W, 1]`) against `proxy` with `confidence`.
  public static func term(disparity: Tensor, proxy: Tensor, confidence: Tensor) -> Tensor {
    AppearanceLoss.weightedMean((disparity - proxy.detached).abs(), weights: confidence)
  }
}
