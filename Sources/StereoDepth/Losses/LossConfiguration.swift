/// The self-supervised objective: what it is made of and how the terms are weighted.
public struct LossConfiguration: Codable, Equatable, Sendable {
  /// The form of the smoothness term.
  public enum Smoothness: String, Codable, Sendable {
    /// `|∂d|·exp(−|∂I|)` on mean-normalised disparity (Monodepth, Godard et al. 2017/2019).
    case edgeAware
    /// The 2017 W-net form: `0.25·√(Σ of the four squared neighbour differences)` of the
    /// disparity, weighted by `1 − |∇gray|/max gray`, 2-pixel border cropped.
    case gradient2017
  }

  /// How ``occlusionMask`` decides which pixels are occluded (``OcclusionMask``).
  public enum OcclusionRule: String, Codable, CaseIterable, Sendable {
    /// Pixels failing the left-right check by more than ``occlusionThreshold``: occluded pixels,
    /// but also visible ones whose two estimates disagree.
    case leftRight = "left-right"
    /// Pixels onto which no pixel of the other view maps (SGM's test): only what the other view
    /// cannot see. The consistency term is masked the same way.
    case coverage
  }

  /// The smoothness form.
  public var smoothness: Smoothness
  /// The weight of the smoothness term, per view.
  public var smoothnessWeight: Float
  /// The weight of the edge-aware second-order smoothness term per view, at every scale
  /// (``SmoothnessLoss/secondOrder(disparity:image:minimumDisparity:)``), added to the
  /// smoothness term; 0 (the default, also for stored recipes) turns it off.
  public var secondOrderSmoothnessWeight: Float
  /// α of the SSIM+L1 appearance term, `α·(1 − SSIM)/2 + (1 − α)·L1`; 0 gives plain L1.
  public var ssimWeight: Float
  /// The weight of the left-right consistency term `|d_L − warp(d_R)|`; 0 turns it off.
  public var consistencyWeight: Float
  /// Whether to weight each pixel's reconstruction error by the in-bounds probability mass, which
  /// leaves out pixels whose match falls outside the other view.
  public var masksOutOfBounds: Bool
  /// For a coarse-to-fine network (`matching`): the weight of each scale coarser than the finest,
  /// whose reconstruction and smoothness terms are computed on that scale's (downsampled) views
  /// and added to the finest scale's (weight 1). 0 trains through the finest scale only. Single
  /// scale networks ignore it. Defaults to 1 (also when a stored recipe predates it).
  public var coarseScaleWeight: Float
  /// Whether to leave pixels that fail the left-right check out of each view's reconstruction
  /// term, at every scale (see ``OcclusionMask``). Off by default (also for stored recipes).
  public var occlusionMask: Bool
  /// Which pixels the occlusion mask leaves out; the left-right check by default (also for stored
  /// recipes).
  public var occlusionRule: OcclusionRule
  /// The largest left-right disagreement, in pixels of the scale, of a pixel the occlusion
  /// mask keeps (``OcclusionRule/leftRight``); 1 by default.
  public var occlusionThreshold: Float
  /// λ of the proxy term `λ · Σ_views Σ c·|d − p| / Σ c` (``ProxyLoss``) over the batch's proxy
  /// disparities `p` with confidence `c`; 0 (the default) turns it off.
  public var proxyWeight: Float
  /// Whether the appearance term compares soft census transforms (``CensusLoss``, 7×7 on grey)
  /// instead of colours by L1; off by default (also for stored recipes).
  public var census: Bool

  /// Creates a configuration.
  public init(
    smoothness: Smoothness, smoothnessWeight: Float, ssimWeight: Float = 0,
    consistencyWeight: Float = 0, masksOutOfBounds: Bool = true, coarseScaleWeight: Float = 1,
    occlusionMask: Bool = false, occlusionThreshold: Float = 1, proxyWeight: Float = 0,
    census: Bool = false, occlusionRule: OcclusionRule = .leftRight,
    secondOrderSmoothnessWeight: Float = 0
  ) {
    precondition(
      smoothnessWeight >= 0 && consistencyWeight >= 0 && (0...1).contains(ssimWeight)
        && coarseScaleWeight >= 0 && occlusionThreshold >= 0 && proxyWeight >= 0
        && secondOrderSmoothnessWeight >= 0,
      "Loss weights must be non-negative and α in [0, 1]")
    self.secondOrderSmoothnessWeight = secondOrderSmoothnessWeight
    self.occlusionMask = occlusionMask
    self.occlusionThreshold = occlusionThreshold
    self.occlusionRule = occlusionRule
    self.proxyWeight = proxyWeight
    self.census = census
    self.coarseScaleWeight = coarseScaleWeight
    self.smoothness = smoothness
    self.smoothnessWeight = smoothnessWeight
    self.ssimWeight = ssimWeight
    self.consistencyWeight = consistencyWeight
    self.masksOutOfBounds = masksOutOfBounds
  }

  /// The loss each preset carries: `original` the 2017 form at 0.001 per view, `realtime`
  /// edge-aware smoothness at 0.1, and `matching` the shipped model's measured objective: SSIM+L1
  /// (α 0.85), edge-aware smoothness at 0.01 at every scale, the occlusion mask and the SGBM proxy
  /// term at 1 (which only real pairs feed; the bundled model's last 2000 steps, chosen over 0.1,
  /// 0.3 and 3 by `wnet eval`, docs/RUNS.md).
  public static func preset(_ preset: WNetPreset) -> LossConfiguration {
    switch preset {
    case .original: LossConfiguration(smoothness: .gradient2017, smoothnessWeight: 0.001)
    case .realtime: LossConfiguration(smoothness: .edgeAware, smoothnessWeight: 0.1)
    case .matching:
      LossConfiguration(
        smoothness: .edgeAware, smoothnessWeight: 0.01, ssimWeight: 0.85, occlusionMask: true,
        proxyWeight: 1)
    }
  }

  enum CodingKeys: String, CodingKey {
    case smoothness, smoothnessWeight, ssimWeight, consistencyWeight, masksOutOfBounds
    case coarseScaleWeight, occlusionMask, occlusionThreshold, proxyWeight, census, occlusionRule
    case secondOrderSmoothnessWeight
  }

  /// Decodes a configuration; keys added later (``coarseScaleWeight``, ``occlusionMask``,
  /// ``occlusionThreshold``, ``proxyWeight``, ``census``, ``occlusionRule``,
  /// ``secondOrderSmoothnessWeight``) take their defaults.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    smoothness = try container.decode(Smoothness.self, forKey: .smoothness)
    smoothnessWeight = try container.decode(Float.self, forKey: .smoothnessWeight)
    ssimWeight = try container.decode(Float.self, forKey: .ssimWeight)
    consistencyWeight = try container.decode(Float.self, forKey: .consistencyWeight)
    masksOutOfBounds = try container.decode(Bool.self, forKey: .masksOutOfBounds)
    coarseScaleWeight = try container.decodeIfPresent(Float.self, forKey: .coarseScaleWeight) ?? 1
    occlusionMask = try container.decodeIfPresent(Bool.self, forKey: .occlusionMask) ?? false
    occlusionThreshold =
      try container.decodeIfPresent(Float.self, forKey: .occlusionThreshold) ?? 1
    proxyWeight = try container.decodeIfPresent(Float.self, forKey: .proxyWeight) ?? 0
    census = try container.decodeIfPresent(Bool.self, forKey: .census) ?? false
    occlusionRule =
      try container.decodeIfPresent(OcclusionRule.self, forKey: .occlusionRule) ?? .leftRight
    secondOrderSmoothnessWeight =
      try container.decodeIfPresent(Float.self, forKey: .secondOrderSmoothnessWeight) ?? 0
  }
}
