/// The shipped architectures.
public enum WNetPreset: String, Codable, Sendable, CaseIterable {
  /// The default: a light U-Net of depthwise-separable blocks for CPU speed, 48 candidates 0…47.
  case realtime
  /// The 2017 W-net as published (Keras `w_net_v11.py`), 32 candidates −16…15.
  case original
  /// Explicit matching, coarse to fine (``MatchingWNet``): a shared feature extractor, a
  /// correlation volume over the whole range at 1/8 resolution, offset refinement at 1/4, 1/2 and
  /// 1/1; candidates 0…255 at full resolution by default.
  case matching
}

/// What defines a W-net: its architecture and its candidate disparities.
///
/// The candidates are the integers `minimumDisparity…maximumDisparity`, in pixels at the
/// network's input resolution. Convention: a point at column x of the left view is at x − d in
/// the right view. 3D movies need both signs (`original`, −16…15); rigs like KITTI only
/// non-negative ones (`realtime`, 0…47). Stored in every checkpoint.
public struct WNetConfiguration: Codable, Equatable, Sendable {
  /// The architecture.
  public var preset: WNetPreset
  /// The smallest candidate disparity, in pixels.
  public var minimumDisparity: Int
  /// The largest candidate disparity, in pixels (inclusive).
  public var maximumDisparity: Int
  /// `matching` only: whether the coarse aggregation has a context branch at 1/16 resolution
  /// (``MatchingWNet``), which widens its receptive field from about 56 to about 250 input
  /// pixels. Checkpoints written before it existed decode as `false`.
  public var coarseContext: Bool
  /// `matching` only: whether the correlations compare features scaled to unit root mean
  /// square (``NetworkBuilder/rmsNormalized(_:epsilon:name:)``), i.e. by cosine similarity, so
  /// that the cost volume does not shrink with the views' contrast. Checkpoints written before
  /// it existed decode as `false`.
  public var cosineCorrelation: Bool
  /// `matching` only: whether the feature extractor has ``MatchingWNet/deepFeatureUnitCount``
  /// more units at 1/8 resolution, which widen the receptive field of the features the coarse
  /// correlation compares from about 39 to about 87 input pixels. Checkpoints written before it
  /// existed decode as `false`.
  public var deepFeatures: Bool
  /// `matching` only: whether the coarse estimate handed to the 1/4 scale is the expectation
  /// over the most likely candidate and its two neighbours
  /// (``NetworkBuilder/localExpectedDisparity(_:minimumDisparity:candidateCount:radius:base:name:)``)
  /// instead of over all candidates, so that a two-peaked distribution (an edge, a repetitive
  /// texture) gives one of its peaks rather than a disparity between them. The coarse scale's own
  /// rendering and loss still use the whole distribution. Checkpoints written before it existed
  /// decode as `false`.
  public var localCoarseEstimate: Bool
  /// `matching` only: whether the estimates that the 1/4 and 1/2 scales hand to the next finer
  /// scale are local expectations too: the up-sampled base plus the expectation over the most
  /// likely offset and its two neighbours, not over all five. At a depth edge the offsets'
  /// distribution holds the foreground and the background; the plain expectation hands on a
  /// disparity between them, which the next scale, searching ±2 of its pixels, may not undo. The
  /// full-resolution output and every scale's rendering and loss still use the whole
  /// distribution. Checkpoints written before it existed decode as `false`.
  public var localRefinementEstimates: Bool
  /// `matching` only: whether the coarse scores add the correlation volume itself, scaled by a
  /// learned scalar (`s_k = head_k + α·c_k`, ``MatchingWNet/correlationSkipScale``), so that the
  /// matching evidence reaches every candidate the same way. The aggregation's filters are
  /// candidate-specific and can learn to suppress the candidates that training rarely shows: on
  /// Aloe's 1/8 pixels with 120-180 px of disparity, the raw correlation's best candidate was
  /// within 1.5 candidates (12 px) of the truth for 81% of them, the 4000-step model's for 1%.
  /// Checkpoints written before it existed decode as `false`.
  public var correlationSkip: Bool
  /// `matching` only: whether the 1/4 scale searches the offsets `−4…4` around the up-sampled
  /// coarse estimate (±16 input pixels) instead of `−2…2` (±8), so that it can correct a coarse
  /// estimate one candidate (8 px) off and more (``MatchingWNet/refinementRadii(_:)``). Why: on
  /// Middlebury's *Wood2* the 8000-step model's coarse estimate is 12 px short on the pixels with
  /// 100-130 px of disparity, the 1/4 scale takes their bad-3 only from 85% to 65%, and the 1/2
  /// and full-resolution scales then change bad-3 by at most a point. Trained with the shipped
  /// recipe for 4000 steps it was worse on every evaluation scene (docs/HISTORY.md, "How it
  /// does"), so the bundled model does not use it. Checkpoints written before it existed decode as `false`.
  public var wideRefinement: Bool
  /// `matching` only: whether the whole range is matched at 1/4 resolution instead of 1/8
  /// (``MatchingWNet/coarseFactor(_:)``), from the 1/4 features, with refinement at 1/2 and 1/1
  /// only. Why: the model run on views enlarged ×2, whose coarse scale is then a quarter of the
  /// input's, was much better on the five evaluation scenes with disparities below about 80 px
  /// (Laundry 27.8% → 17.6% bad-3, teddy 8.4% → 5.7%, docs/RUNS.md), at seven times the time;
  /// this buys part of that at the input's size. Checkpoints written before it existed decode
  /// as `false`.
  public var quarterCoarse: Bool
  /// `matching` only: whether the 1/2 scale is 8 channels wide instead of 16: its features
  /// (``MatchingWNet/featureWidths(_:)``) and its refinement unit, 13→8 instead of 21→16. Why:
  /// the 1/2 scale of both views is about a fifth of the marked map's time at 640×480, and the
  /// default output was 1.31× SGBM's time on the eighteenth session's machine (docs/RUNS.md); a
  /// wider model's 1/2 scale can be pruned into it by `wnet train --init-from MODEL
  /// --transplant` (``WNet/transplanted(into:seed:)``). Checkpoints written before it existed
  /// decode as `false`.
  public var slimHalfScale: Bool
  /// `matching` only: whether the coarse and 1/4 units are half as wide.
  ///
  /// The coarse aggregation is then 24 channels wide instead of 48
  /// (``MatchingWNet/coarseWidth(_:)``, its units and head's input) and the 1/4 refinement units
  /// 12 instead of 24 (``MatchingWNet/refinementWidths(_:)``; the 1/4 features stay 24
  /// wide). Why: on a CPU with AVX2 alone (most laptops) the slim model's marked map took 1.26×
  /// SGBM's time at 640×480, and under the profiler the coarse units took 7.3 ms and the 1/4
  /// refinement 6.5 ms of its 43 ms (docs/RUNS.md, "Cheaper arithmetic where the CPU has no
  /// BF16"); halved, they cost about 40% of that. A wider model's coarse and 1/4 units can be
  /// pruned into it by `wnet train --init-from MODEL --transplant`
  /// (``MatchingWNet/prunedCoarseScales(from:)``). Checkpoints written before it existed decode
  /// as `false`.
  public var slimCoarseScales: Bool
  /// `matching` only: whether the full-resolution scale is 4 channels wide instead of 8.
  ///
  /// Its features (``MatchingWNet/fullResolutionWidth(_:)``, conv 3→4) and its refinement unit,
  /// 9→4 instead of 13→8, and so its head 4→5. Why: on a CPU with AVX2 alone the
  /// full-resolution unit was the largest single step of the marked map at 640×480 (about a
  /// seventh of its time under the profiler) and the full-resolution features of both views
  /// another sixteenth (docs/RUNS.md, "The slim full-resolution scale"); dropping the scale
  /// altogether (`--finest-scale half`) costs the judges about 0.28. A wider
  /// model's full-resolution scale can be pruned into it by `wnet train --init-from MODEL
  /// --transplant` (``MatchingWNet/prunedFullScale(from:)``). Checkpoints written before it
  /// existed decode as `false`.
  public var slimFullScale: Bool
  /// `matching` only: how many times the 1/4 scale refines, with the same weights.
  ///
  /// Each pass searches its offsets around the previous pass's estimate (the first around the
  /// up-sampled coarse one): `d_{p+1}(x) = d_p(x) + Σ_k P_p(k|x) · (k − r)`. A setting of the
  /// forward pass only (no parameter; ``parameterLayout`` clears it), so a trained model can run
  /// with more passes (`--quarter-passes`); the scores of the last pass are the 1/4 scale's. Why: the
  /// coarse estimate can be more than the 1/4 scale's ±8 input pixels off (Wood2's planks were
  /// 12 px short), and a second pass reaches ±16 px: two passes took the bundled model's
  /// evaluation mean bad-3 from 8.84 to 8.49, though the label-free judges scored them 0.04
  /// worse, so the bundled model keeps one (docs/RUNS.md, "The 1/4 scale run again"). 1 (one
  /// pass, every checkpoint written before it existed) to ``quarterPassLimit``.
  public var quarterPasses: Int
  /// `matching` only: how many of the hand-ons between scales, coarsest first, propagate.
  ///
  /// There each finer scale starts, where the coarse estimates of a pixel's 3×3 neighbourhood
  /// disagree, from the neighbour's estimate whose warped features match best instead of their
  /// bilinear mix (``DisparityPropagation``). 0 (none: every checkpoint written before it
  /// existed) to the number of refinement scales (3, or 2 with `quarterCoarse`): 1 is the hand-on
  /// to 1/4, 2 also the one to 1/2, 3 also the one to full resolution. A setting of the forward
  /// pass only (no parameter; ``parameterLayout`` clears it), so a trained model can run with it
  /// (`--propagation N`).
  public var propagation: Int
  /// `matching` only, at inference: the largest disparity, in working pixels, that the coarse
  /// estimate may take, or `nil` for the whole range.
  ///
  /// The expectation that the 1/4 scale starts from runs over the coarse candidates up to
  /// `⌈M / f⌉` only (``MatchingWNet/boundedCoarseCount(_:)``); the scores, the cost volume and the
  /// weights are unchanged. ``DisparityEstimator`` sets it per pair from a stated maximum
  /// (`--bounded-search`); it is never stored in a checkpoint (decoding leaves it `nil`), and
  /// ``parameterLayout`` clears it.
  public var searchMaximum: Int? = nil

  /// The most passes of the 1/4 scale (``quarterPasses``).
  public static let quarterPassLimit = 4

  /// Creates a configuration; the range defaults to the preset's.
  public init(
    preset: WNetPreset, minimumDisparity: Int? = nil, maximumDisparity: Int? = nil,
    coarseContext: Bool = false, cosineCorrelation: Bool = false, deepFeatures: Bool = false,
    localCoarseEstimate: Bool = false, localRefinementEstimates: Bool = false,
    correlationSkip: Bool = false, wideRefinement: Bool = false, quarterCoarse: Bool = false,
    slimHalfScale: Bool = false, slimCoarseScales: Bool = false, slimFullScale: Bool = false,
    quarterPasses: Int = 1, propagation: Int = 0
  ) {
    let defaults = WNetConfiguration.defaultRange(for: preset)
    self.preset = preset
    self.minimumDisparity = minimumDisparity ?? defaults.lowerBound
    self.maximumDisparity = maximumDisparity ?? defaults.upperBound
    self.coarseContext = coarseContext
    self.cosineCorrelation = cosineCorrelation
    self.deepFeatures = deepFeatures
    self.localCoarseEstimate = localCoarseEstimate
    self.localRefinementEstimates = localRefinementEstimates
    self.correlationSkip = correlationSkip
    self.wideRefinement = wideRefinement
    self.quarterCoarse = quarterCoarse
    self.slimHalfScale = slimHalfScale
    self.slimCoarseScales = slimCoarseScales
    self.slimFullScale = slimFullScale
    self.quarterPasses = quarterPasses
    self.propagation = propagation
    precondition(
      self.maximumDisparity > self.minimumDisparity,
      "The disparity range \(self.minimumDisparity)…\(self.maximumDisparity) must hold at least two candidates"
    )
  }

  /// The architecture of a new `wnet train` run (and of `wnet bench`) unless options say
  /// otherwise: the bundled model's (`matching`: cosine correlation, measured better on
  /// 2001-2003 and 2005-2006 at 4000 steps, and both local hand-offs, measured better on the
  /// three evaluation sets; docs/HISTORY.md, "How it does"; and since session 41 the slim 1/2 scale, whose
  /// lineage scored better on the label-free judges, docs/RUNS.md). `propagation` stays 0: the bundled model was
  /// trained with the bilinear hand-ons and its file adds propagation for inference only.
  /// `slimFullScale` stays `false`: the bundled model's first runs trained the 8-wide
  /// full-resolution scale, and only its last fine-tunes prune it (`--transplant
  /// --slim-full-scale`, session 47); a whole run with the slim scale is not measured.
  /// Decoding keeps `false` for a missing setting, so older checkpoints still build the network
  /// they were trained as.
  public static func trainingDefault(
    for preset: WNetPreset, minimumDisparity: Int? = nil, maximumDisparity: Int? = nil
  ) -> WNetConfiguration {
    let matching = preset == .matching
    return WNetConfiguration(
      preset: preset, minimumDisparity: minimumDisparity, maximumDisparity: maximumDisparity,
      cosineCorrelation: matching, localCoarseEstimate: matching,
      localRefinementEstimates: matching, slimHalfScale: matching)
  }

  /// The largest magnitude a candidate disparity may have, in pixels (a range beyond it is a
  /// corrupt checkpoint or a typo: the selection layer's padding and cost grow with it).
  public static let disparityLimit = 4096

  /// The settings that exist only in the `matching` preset and are on here, by their stored names
  /// in declaration order (`coarseContext`, `cosineCorrelation`, `deepFeatures`,
  /// `localCoarseEstimate`, `localRefinementEstimates`, `correlationSkip`, `wideRefinement`,
  /// `quarterCoarse`, `slimHalfScale`, `slimCoarseScales`, `slimFullScale`);
  /// ``problems`` refuses any of them
  /// on another preset.
  public var matchingOnlySettings: [String] {
    let settings: [(CodingKeys, Bool)] = [
      (.coarseContext, coarseContext), (.cosineCorrelation, cosineCorrelation),
      (.deepFeatures, deepFeatures), (.localCoarseEstimate, localCoarseEstimate),
      (.localRefinementEstimates, localRefinementEstimates), (.correlationSkip, correlationSkip),
      (.wideRefinement, wideRefinement), (.quarterCoarse, quarterCoarse),
      (.slimHalfScale, slimHalfScale), (.slimCoarseScales, slimCoarseScales),
      (.slimFullScale, slimFullScale),
    ]
    return settings.filter { $0.1 }.map { $0.0.stringValue }
  }

  /// The problems with this configuration, as one-line messages (empty when valid): the range
  /// must hold at least two candidates and stay within ±``disparityLimit``, and the
  /// ``matchingOnlySettings`` need the `matching` preset.
  public var problems: [String] {
    let limit = Self.disparityLimit
    // Not abs(): it traps on Int.min.
    guard (-limit...limit).contains(minimumDisparity), (-limit...limit).contains(maximumDisparity)
    else {
      return [
        "the disparity range \(minimumDisparity)…\(maximumDisparity) exceeds the limit "
          + "±\(limit)"
      ]
    }
    guard maximumDisparity > minimumDisparity else {
      return [
        "the disparity range \(minimumDisparity)…\(maximumDisparity) must hold at least two "
          + "candidates (minimum below maximum)"
      ]
    }
    if preset != .matching, let setting = matchingOnlySettings.first {
      return ["'\(setting)' exists only in the 'matching' preset, not '\(preset.rawValue)'"]
    }
    if quarterCoarse && wideRefinement {
      return ["'wideRefinement' widens the 1/4 refinement, which 'quarterCoarse' does not have"]
    }
    guard (1...Self.quarterPassLimit).contains(quarterPasses) else {
      return ["'quarterPasses' must be 1 to \(Self.quarterPassLimit), not \(quarterPasses)"]
    }
    if quarterPasses > 1 && preset != .matching {
      return ["'quarterPasses' exists only in the 'matching' preset, not '\(preset.rawValue)'"]
    }
    if quarterPasses > 1 && quarterCoarse {
      return ["'quarterPasses' repeats the 1/4 refinement, which 'quarterCoarse' does not have"]
    }
    if propagation != 0 && preset != .matching {
      return ["'propagation' exists only in the 'matching' preset, not '\(preset.rawValue)'"]
    }
    if searchMaximum != nil && preset != .matching {
      return ["'searchMaximum' exists only in the 'matching' preset, not '\(preset.rawValue)'"]
    }
    let handOns = quarterCoarse ? 2 : 3
    guard (0...handOns).contains(propagation) else {
      return [
        "'propagation' must be 0 to \(handOns) (the hand-ons between scales), not \(propagation)"
      ]
    }
    return []
  }

  /// The preset's own range.
  public static func defaultRange(for preset: WNetPreset) -> ClosedRange<Int> {
    switch preset {
    case .realtime: 0...47
    case .original: -16...15
    case .matching: 0...255
    }
  }

  /// Whether the network covers its range at the input's own resolution, coarse to fine (so
  /// inference needs no shrinking for disparities inside the range): `matching`.
  public var isCoarseToFine: Bool { preset == .matching }

  /// The edge-replicated columns the marked map adds at the left side of both views by default
  /// (``InvalidPixelRule/borderPadding``): 16 for a coarse-to-fine network (the one judged:
  /// docs/RUNS.md, "The left border padded by default"), 0 for the others.
  public var defaultBorderPadding: Int { isCoarseToFine ? 16 : 0 }

  /// The left-right check's `τ` by default (``InvalidPixelRule/leftRightThreshold``): 1.25 px
  /// for a coarse-to-fine model (`matching`; its label-free judges preferred it to 1 with the
  /// propagated right view, 16.362 against 16.459, and the photometric check agreed: docs/RUNS.md,
  /// "The check's threshold judged again with the propagated right view"), 1 px for the others
  /// (not judged again).
  public var defaultLeftRightThreshold: Float { isCoarseToFine ? 1.25 : 1 }

  /// The edge-replicated rows the marked map adds at the top and at the bottom of both views by
  /// default (``InvalidPixelRule/rowPadding``): 0 (docs/RUNS.md, "Rows padded at the top and
  /// bottom").
  public var defaultRowPadding: Int { 0 }

  /// D, the number of candidates.
  public var candidateCount: Int { maximumDisparity - minimumDisparity + 1 }

  /// The candidates as floats, `[D]`.
  public var candidates: [Float] { (minimumDisparity...maximumDisparity).map(Float.init) }

  /// Height and width must be multiples of this (the product of the pooling strides).
  public var sizeMultiple: Int {
    switch preset {
    case .realtime: 8
    case .original: 16
    case .matching: (quarterCoarse ? 4 : 8) * (coarseContext ? 2 : 1)
    }
  }
}

extension WNetConfiguration {
  enum CodingKeys: String, CodingKey {
    case preset, minimumDisparity, maximumDisparity, coarseContext, cosineCorrelation
    case deepFeatures, localCoarseEstimate, localRefinementEstimates, correlationSkip
    case wideRefinement, quarterCoarse, slimHalfScale, slimCoarseScales, slimFullScale
    case quarterPasses, propagation
  }

  /// Any key, to find the ones this version does not know.
  struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Decodes a configuration; a key this version does not know (an architecture option of a
  /// newer WNet) is an error, not a silently different network.
  public init(from decoder: any Decoder) throws {
    let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
      .filter { CodingKeys(stringValue: $0) == nil }.sorted()
    if let first = unknown.first {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: decoder.codingPath,
          debugDescription:
            "the model setting '\(first)' is unknown to WNet \(WNetVersion.current) "
            + "(written by a newer version?)"))
    }
    let container = try decoder.container(keyedBy: CodingKeys.self)
    preset = try container.decode(WNetPreset.self, forKey: .preset)
    minimumDisparity = try container.decode(Int.self, forKey: .minimumDisparity)
    maximumDisparity = try container.decode(Int.self, forKey: .maximumDisparity)
    coarseContext = try container.decodeIfPresent(Bool.self, forKey: .coarseContext) ?? false
    cosineCorrelation =
      try container.decodeIfPresent(Bool.self, forKey: .cosineCorrelation) ?? false
    deepFeatures = try container.decodeIfPresent(Bool.self, forKey: .deepFeatures) ?? false
    localCoarseEstimate =
      try container.decodeIfPresent(Bool.self, forKey: .localCoarseEstimate) ?? false
    localRefinementEstimates =
      try container.decodeIfPresent(Bool.self, forKey: .localRefinementEstimates) ?? false
    correlationSkip = try container.decodeIfPresent(Bool.self, forKey: .correlationSkip) ?? false
    wideRefinement = try container.decodeIfPresent(Bool.self, forKey: .wideRefinement) ?? false
    quarterCoarse = try container.decodeIfPresent(Bool.self, forKey: .quarterCoarse) ?? false
    slimHalfScale = try container.decodeIfPresent(Bool.self, forKey: .slimHalfScale) ?? false
    slimCoarseScales =
      try container.decodeIfPresent(Bool.self, forKey: .slimCoarseScales) ?? false
    slimFullScale = try container.decodeIfPresent(Bool.self, forKey: .slimFullScale) ?? false
    quarterPasses = try container.decodeIfPresent(Int.self, forKey: .quarterPasses) ?? 1
    propagation = try container.decodeIfPresent(Int.self, forKey: .propagation) ?? 0
  }

  /// Writes the `matching` options (`coarseContext` … `propagation`) only when set, so that
  /// checkpoints without them stay readable by versions that predate them.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(preset, forKey: .preset)
    try container.encode(minimumDisparity, forKey: .minimumDisparity)
    try container.encode(maximumDisparity, forKey: .maximumDisparity)
    if coarseContext { try container.encode(true, forKey: .coarseContext) }
    if cosineCorrelation { try container.encode(true, forKey: .cosineCorrelation) }
    if deepFeatures { try container.encode(true, forKey: .deepFeatures) }
    if localCoarseEstimate { try container.encode(true, forKey: .localCoarseEstimate) }
    if localRefinementEstimates {
      try container.encode(true, forKey: .localRefinementEstimates)
    }
    if correlationSkip { try container.encode(true, forKey: .correlationSkip) }
    if wideRefinement { try container.encode(true, forKey: .wideRefinement) }
    if quarterCoarse { try container.encode(true, forKey: .quarterCoarse) }
    if slimHalfScale { try container.encode(true, forKey: .slimHalfScale) }
    if slimCoarseScales { try container.encode(true, forKey: .slimCoarseScales) }
    if slimFullScale { try container.encode(true, forKey: .slimFullScale) }
    if quarterPasses != 1 { try container.encode(quarterPasses, forKey: .quarterPasses) }
    if propagation != 0 { try container.encode(propagation, forKey: .propagation) }
  }
}
