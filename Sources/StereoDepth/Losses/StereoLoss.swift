import StereoTensor

/// The loss terms of one step, as plain numbers for logs.
public struct LossTerms: Codable, Sendable, Equatable {
  public var total: Float
  public var reconstruction: Float
  public var smoothness: Float
  public var consistency: Float
  /// The proxy term before its weight (0 when off or without proxies).
  public var proxy: Float
  /// The second-order smoothness term before its weight (0 when off).
  public var secondOrderSmoothness: Float

  public init(
    total: Float, reconstruction: Float, smoothness: Float, consistency: Float, proxy: Float = 0,
    secondOrderSmoothness: Float = 0
  ) {
    self.total = total
    self.reconstruction = reconstruction
    self.smoothness = smoothness
    self.consistency = consistency
    self.proxy = proxy
    self.secondOrderSmoothness = secondOrderSmoothness
  }

  private enum CodingKeys: String, CodingKey {
    case total, reconstruction, smoothness, consistency, proxy, secondOrderSmoothness
  }

  /// Decodes terms; ``proxy`` and ``secondOrderSmoothness`` are 0 when absent (logs written
  /// before them).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    total = try container.decode(Float.self, forKey: .total)
    reconstruction = try container.decode(Float.self, forKey: .reconstruction)
    smoothness = try container.decode(Float.self, forKey: .smoothness)
    consistency = try container.decode(Float.self, forKey: .consistency)
    proxy = try container.decodeIfPresent(Float.self, forKey: .proxy) ?? 0
    secondOrderSmoothness =
      try container.decodeIfPresent(Float.self, forKey: .secondOrderSmoothness) ?? 0
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
///
/// With ``LossConfiguration/occlusionMask``, each scale's reconstruction weights are also
/// multiplied by that scale's ``OcclusionMask`` (a constant), and under
/// ``LossConfiguration/OcclusionRule/coverage`` so are its consistency term's. The consistency
/// term is computed at every scale that carries ``ScaleOutput/warpedDisparities`` (each
/// coarser one weighted by `coarseScaleWeight`): with its base disparities constant, the finest
/// scale alone could only move its ±2 px offsets. With
/// ``LossConfiguration/proxyWeight`` `λ > 0` and proxies given, the term
/// `λ · Σ_scales w_s · Σ_views ProxyLoss.term(d_view, p_view, c_view)` is added, with each
/// coarser scale's targets ``ProxyTargets/downsampled(by:)`` to its grid (weight
/// `coarseScaleWeight`, as its other terms).
public struct StereoLoss {
  public let configuration: LossConfiguration
  public let minimumDisparity: Int

  public init(configuration: LossConfiguration, minimumDisparity: Int) {
    self.configuration = configuration
    self.minimumDisparity = minimumDisparity
  }

  /// The differentiable total and its terms.
  ///
  /// - Parameters:
  ///   - output: Both views' selection outputs, at every scale.
  ///   - left: The left view, `[N, H, W, 3]`.
  ///   - right: The right view, `[N, H, W, 3]`.
  ///   - proxy: The batch's proxy disparities at full resolution, if any; the proxy term is
  ///     skipped without them.
  /// - Returns: The total (differentiable) and its terms as numbers.
  public func callAsFunction(
    _ output: WNetOutput, left: Tensor, right: Tensor, proxy: ProxyTargets? = nil
  ) -> (total: Tensor, terms: LossTerms) {
    let c = configuration
    var reconstruction = Tensor(0)
    var smoothness = Tensor(0)
    var consistency = Tensor(0)
    var proxyTerm = Tensor(0)
    var secondOrder = Tensor(0)
    // The finest scale at full weight on the given views; coarser scales (coarse-to-fine
    // networks) on their own downsampled views, weighted by `coarseScaleWeight`.
    var scales = [
      (
        left: output.left, right: output.right, leftImage: left, rightImage: right,
        factor: 1, weight: Float(1), warped: output.warpedDisparities
      )
    ]
    if output.scales.count > 1 && c.coarseScaleWeight > 0 {
      scales += output.scales.dropLast().map {
        (
          $0.left, $0.right, $0.leftImage, $0.rightImage, $0.factor, c.coarseScaleWeight,
          $0.warpedDisparities
        )
      }
    }
    for scale in scales {
      var scaleReconstruction = Tensor(0)
      var scaleSmoothness = Tensor(0)
      var scaleSecondOrder = Tensor(0)
      let masks: (left: Tensor, right: Tensor)? =
        c.occlusionMask
        ? OcclusionMask.masks(
          left: scale.left.disparity, right: scale.right.disparity,
          threshold: c.occlusionThreshold, rule: c.occlusionRule) : nil
      for (selection, image, mask) in [
        (scale.left, scale.leftImage, masks?.left), (scale.right, scale.rightImage, masks?.right),
      ] {
        let error = AppearanceLoss.perPixel(
          selection.reconstruction, image, ssimWeight: c.ssimWeight, census: c.census)
        let weights = Self.weights(
          validity: c.masksOutOfBounds ? selection.validity : nil, mask: mask)
        scaleReconstruction =
          scaleReconstruction + AppearanceLoss.weightedMean(error, weights: weights)
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
        if c.secondOrderSmoothnessWeight > 0 {
          scaleSecondOrder =
            scaleSecondOrder
            + SmoothnessLoss.secondOrder(
              disparity: selection.disparity, image: image,
              minimumDisparity: Float(minimumDisparity) / Float(scale.factor))
        }
      }
      // A coarser scale's terms count `coarseScaleWeight` times (the finest scale's as they are).
      let weigh = { (term: Tensor) in scale.weight == 1 ? term : term.scaled(by: scale.weight) }
      if c.proxyWeight > 0, let proxy {
        let target = proxy.downsampled(by: scale.factor)
        precondition(
          scale.factor > 1 || target.leftDisparity.shape == scale.left.disparity.shape,
          "Proxies \(target.leftDisparity.shape) differ from disparities "
            + "\(scale.left.disparity.shape)")
        // A coarse grid that is not ⌊H/f⌋ × ⌊W/f⌋ has no proxy.
        if target.leftDisparity.shape == scale.left.disparity.shape {
          let scaleProxy =
            ProxyLoss.term(
              disparity: scale.left.disparity, proxy: target.leftDisparity,
              confidence: target.leftConfidence)
            + ProxyLoss.term(
              disparity: scale.right.disparity, proxy: target.rightDisparity,
              confidence: target.rightConfidence)
          proxyTerm = proxyTerm + weigh(scaleProxy)
        }
      }
      if c.consistencyWeight > 0, let warped = scale.warped {
        // Under the coverage rule the occluded pixels, where the views rightly disagree, are
        // left out (the left-right rule's mask would leave out every disagreeing pixel).
        let kept = c.occlusionRule == .coverage ? masks : nil
        var scaleConsistency = Tensor(0)
        for (own, carried, validity, mask) in [
          (scale.left.disparity, warped.left, scale.left.validity, kept?.left),
          (scale.right.disparity, warped.right, scale.right.validity, kept?.right),
        ] {
          let weights = Self.weights(validity: c.masksOutOfBounds ? validity : nil, mask: mask)
          scaleConsistency =
            scaleConsistency + AppearanceLoss.weightedMean((own - carried).abs(), weights: weights)
        }
        consistency = consistency + weigh(scaleConsistency)
      }
      reconstruction = reconstruction + weigh(scaleReconstruction)
      smoothness = smoothness + weigh(scaleSmoothness)
      secondOrder = secondOrder + weigh(scaleSecondOrder)
    }
    var total =
      reconstruction + smoothness.scaled(by: c.smoothnessWeight)
      + consistency.scaled(by: c.consistencyWeight)
    if c.proxyWeight > 0 && proxy != nil { total = total + proxyTerm.scaled(by: c.proxyWeight) }
    if c.secondOrderSmoothnessWeight > 0 {
      total = total + secondOrder.scaled(by: c.secondOrderSmoothnessWeight)
    }
    return (
      total,
      LossTerms(
        total: total.scalar, reconstruction: reconstruction.scalar, smoothness: smoothness.scalar,
        consistency: consistency.scalar, proxy: proxyTerm.scalar,
        secondOrderSmoothness: secondOrder.scalar)
    )
  }

  /// A term's per-pixel weights: the in-bounds mass, times the occlusion mask where there is one
  /// (the mass then detached, as the mask is a constant).
  static func weights(validity: Tensor?, mask: Tensor?) -> Tensor? {
    guard let mask else { return validity }
    return validity.map { $0.detached * mask } ?? mask
  }
}
