import StereoTensor

/// The loss terms of one step, as plain numbers for logs.
public struct LossTerms: Codable, Sendable, Equatable {
  public var total: Float
  public var reconstruction: Float
  public var smoothness: Float
  public var consistency: Float

  public init(total: Float, reconstruction: Float, smoothness: Float, consistency: Float) {
    self.total = total
    self.reconstruction = reconstruction
    self.smoothness = smoothness
    self.consistency = consistency
  }
}

/// The whole self-supervised objective over both views:
///
///     Σ_views  appearance(vieŵ, view)  +  λ_s·smoothness(d_view, view)  +  λ_lr·|d_L − warp_L(d_R)| + …
///
/// Reconstruction is L1 (or SSIM+L1), averaged over pixels weighted by the in-bounds mass when
/// ``LossConfiguration/masksOutOfBounds`` is set. The consistency term renders the other view's
/// disparity map with this view's distribution (the same selection layer, carried across) and
/// compares it with this view's own.
public struct StereoLoss {
  public let configuration: LossConfiguration
  public let minimumDisparity: Int

  public init(configuration: LossConfiguration, minimumDisparity: Int) {
    self.configuration = configuration
    self.minimumDisparity = minimumDisparity
  }

  /// The differentiable total and its terms.
  public func callAsFunction(_ output: WNetOutput, left: Tensor, right: Tensor) -> (
    total: Tensor, terms: LossTerms
  ) {
    let c = configuration
    var reconstruction = Tensor(0)
    var smoothness = Tensor(0)
    var consistency = Tensor(0)
    // The finest scale at full weight on the given views; coarser scales (coarse-to-fine
    // networks) on their own downsampled views, weighted by `coarseScaleWeight`.
    var scales = [
      (
        left: output.left, right: output.right, leftImage: left, rightImage: right,
        factor: 1, weight: Float(1)
      )
    ]
    if output.scales.count > 1 && c.coarseScaleWeight > 0 {
      scales += output.scales.dropLast().map {
        ($0.left, $0.right, $0.leftImage, $0.rightImage, $0.factor, c.coarseScaleWeight)
      }
    }
    for scale in scales {
      var scaleReconstruction = Tensor(0)
      var scaleSmoothness = Tensor(0)
      for (selection, image) in [(scale.left, scale.leftImage), (scale.right, scale.rightImage)] {
        let error = AppearanceLoss.perPixel(
          selection.reconstruction, image, ssimWeight: c.ssimWeight)
        scaleReconstruction =
          scaleReconstruction
          + AppearanceLoss.weightedMean(
            error, weights: c.masksOutOfBounds ? selection.validity : nil)
        if c.smoothnessWeight > 0 {
          switch c.smoothness {
          case .edgeAware:
            scaleSmoothness =
              scaleSmoothness
              + SmoothnessLoss.edgeAwareFused(
                disparity: selection.disparity, image: image,
                minimumDisparity: Float(minimumDisparity) / Float(scale.factor))
          case .gradient2017:
            scaleSmoothness =
              scaleSmoothness
              + SmoothnessLoss.gradient2017(disparity: selection.disparity, image: image)
          }
        }
      }
      let weighted = scale.weight == 1
      reconstruction =
        reconstruction
        + (weighted ? scaleReconstruction : scaleReconstruction.scaled(by: scale.weight))
      smoothness =
        smoothness + (weighted ? scaleSmoothness : scaleSmoothness.scaled(by: scale.weight))
    }
    if c.consistencyWeight > 0, let warped = output.warpedDisparities {
      for (own, carried, validity) in [
        (output.left.disparity, warped.left, output.left.validity),
        (output.right.disparity, warped.right, output.right.validity),
      ] {
        consistency =
          consistency
          + AppearanceLoss.weightedMean(
            (own - carried).abs(), weights: c.masksOutOfBounds ? validity : nil)
      }
    }
    let total =
      reconstruction + smoothness.scaled(by: c.smoothnessWeight)
      + consistency.scaled(by: c.consistencyWeight)
    return (
      total,
      LossTerms(
        total: total.scalar, reconstruction: reconstruction.scalar, smoothness: smoothness.scalar,
        consistency: consistency.scalar)
    )
  }
}
