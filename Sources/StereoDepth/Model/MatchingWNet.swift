import StereoNN
import StereoTensor

/// The `matching` W-net: explicit matching of shared features, the whole range at 1/8
/// resolution, then offset refinement down to the input's resolution (coarse to fine).
///
/// Per view, with weights shared between the views (each view runs separately):
///
///     features:  conv 3×3/2 3→16 (→8 with `slimHalfScale`)      H/2    f½
///                conv 3×3/2 16→24, conv 3×3 24→24               H/4    f¼
///                conv 3×3/2 24→32, conv 3×3 32→32               H/8    f⅛
///                with `deepFeatures`, three more conv 3×3 32→32  H/8
///                conv 3×3 3→8 (→4 with `slimFullScale`)         H      f¹
///     coarse:    corr(f⅛_L, f⅛_R) over D8 absolute candidates   [N, H/8, W/8, D8]
///                concat f⅛ of the view, conv 3×3 (32+D8)→48, 48→48, conv 3×3 48→D8 (bias)
///                (24 wide instead of 48 with `slimCoarseScales`)
///                with `coarseContext`, the second 48→48 becomes a context branch:
///                  c = conv 3×3 48→48 three times on maxpool 2×2 (H/16)
///                  conv 3×3 96→48 on [upsample×2(c), x]                 H/8
///     refine s = ¼, ½, 1:
///                d0 = 2 · bilinear×2(d of the previous scale)   (a constant: no gradient)
///                w  = the other view's f^s warped by d0         (linear, edge replication)
///                corr(f^s, w) over the offsets −2…2             [N, H·s, W·s, 5]
///                concat f^s, convs (¼: 29→24, 24→24, or 29→12, 12→12 with
///                `slimCoarseScales`; ½: 21→16, or 13→8 with `slimHalfScale`; 1: 13→8, or 9→4
///                with `slimFullScale`),
///                conv 3×3 → 5 (bias)
///
/// With `cosineCorrelation`, the correlations at 1/8 and 1/4 compare features scaled to unit
/// root mean square over the channels (`f / sqrt(mean_c f² + 0.01)`; the concatenated features
/// stay as they are), so those cost volumes hold cosine similarities, independent of the views'
/// contrast.
///
/// With `correlationSkip`, the coarse scores are `head_k + α·corr_k` (a learned scalar `α`,
/// initially ``correlationSkipInitialScale``): the raw matching evidence, the same for every
/// candidate, plus what the aggregation adds.
///
/// With `localCoarseEstimate`, the `d` that the 1/4 scale starts from is the expectation over
/// the most likely coarse candidate and its neighbours (``localEstimateRadius``), not over all
/// of them.
///
/// With `localRefinementEstimates`, the `d` that the 1/4 and 1/2 scales hand on is their `d0`
/// plus the expectation over their most likely offset and its neighbours
/// (``localEstimateRadius``), not over all of them.
///
/// With `wideRefinement`, the 1/4 scale searches the nine offsets −4…4 (``wideRefinementRadius``;
/// its first unit 33→24, its head → 9), which reach ±16 input pixels: a coarse estimate one
/// candidate off is then within its reach.
///
/// With `quarterPasses` = P > 1, the 1/4 scale runs P times with the same weights: pass p + 1
/// warps by pass p's estimate `d_p` (not the up-sampled coarse one) and hands on
/// `d_{p+1} = d_p + E[offset]`; its names end in `.pass1`, `.pass2`…, and the last pass's scores
/// are the 1/4 scale's. A forward-pass setting with no parameters of its own.
///
/// With `propagation` = P, the first P hand-ons (coarsest first) choose `d0` where the coarse
/// estimates of a pixel's 3×3 neighbourhood span more than ``DisparityPropagation/threshold``
/// pixels of the finer scale: among those estimates (×2) and the bilinear one, by how well the
/// features each one warps match the pixel's own (``DisparityPropagation``), so the edges
/// between depths stay sharp. A forward-pass setting with no parameters of its own.
///
/// With `searchMaximum` = M (an inference setting), the coarse estimate handed on is the
/// expectation over the candidates up to `⌈M/8⌉` only (``boundedCoarseCount(_:)``): a stated
/// bound on the scene's disparities keeps false matches beyond it out of the search.
///
/// With `quarterCoarse`, the features stop at 1/4 (`deepFeatures` adds its units there, 24→24),
/// the whole range is matched at 1/4 (`corr(f¼_L, f¼_R)` over `D4` candidates in 1/4 pixels,
/// concat f¼, the same coarse units from 24+D4 channels), and the refinement runs at 1/2 and 1/1
/// only (the same units and names as above, so that their weights carry over from a 1/8 model
/// through `wnet train --init-from`).
///
/// every convolution but the heads followed by batch norm and ReLU ("conv" above is
/// ``ConvBatchNormReLU``). The previous scale's `d` is the softmax expectation of its scores
/// (plus its own `d0`). The candidates at 1/8 are `d8_k = ⌊min/8⌋ + k`,
/// `D8 = ⌈(max − 8·⌊min/8⌋ + 1)/8⌉` (32 for the default 0…255), in 1/8 pixels; every finer
/// scale has the five offsets −2…2 of its own pixels around `d0`, which reach ±(2+4+8) px
/// around the coarse estimate at full resolution.
///
/// Training renders each scale's (downsampled) views: the coarse scale with
/// ``ProbabilisticSelection``, the finer ones with ``OffsetSelection`` around the same `d0`
/// (``WNet``). Inference keeps only the left view's heads: the finest scale's scores, expected
/// and added to its `d0`, are the disparity.
///
/// Why this shape: the heavy work (aggregation of the cost volume) runs at 1/8 and 1/4, where
/// AnyNet, StereoNet and HITNet put theirs; no 3D convolutions (the disparities are channels).
/// About 5 k multiply-adds per input pixel at D8 = 32 (`realtime`: about 26 k).
///
/// References: DispNetC (Mayer et al. 2016) for the correlation, StereoNet (Khamis et al.
/// 2018) and HITNet (Tankovich et al. 2021) for coarse-to-fine refinement around an up-sampled
/// estimate.
public final class MatchingWNet: StereoNetwork {
  public let configuration: WNetConfiguration
  /// The feature extractor's units to 1/2, 1/4 and 1/8 resolution (one array per scale).
  public let features: [[ConvBatchNormReLU]]
  /// The full-resolution features of the RGB.
  public let fullResolutionFeatures: ConvBatchNormReLU
  /// The coarse aggregation units.
  public let coarse: [ConvBatchNormReLU]
  /// The coarse head: `D8` scores.
  public let coarseHead: Conv2D
  /// With `coarseContext`: the units at 1/16 (empty without it).
  public let context: [ConvBatchNormReLU]
  /// With `coarseContext`: the unit that merges the up-sampled context with the 1/8 features.
  public let contextMerge: ConvBatchNormReLU?
  /// With `correlationSkip`: `α`, shape `[1]`, the scale of the correlation volume added to
  /// the coarse scores (`nil` without it).
  public let correlationSkipScale: Parameter?
  /// The refinement units at 1/4, 1/2 and 1/1 (one array per level of
  /// ``refinementLevels(_:)``).
  public let refinements: [[ConvBatchNormReLU]]
  /// The refinement heads: `K` offset scores per scale.
  public let refinementHeads: [Conv2D]

  /// The feature widths at 1/2, 1/4 and 1/8.
  public static let featureWidths = [16, 24, 32]
  /// The 1/2 features' width with `slimHalfScale`.
  public static let slimHalfWidth = 8
  /// The feature widths at 1/2, 1/4 and 1/8 of a network of `configuration`: ``featureWidths``,
  /// the first ``slimHalfWidth`` with `slimHalfScale`.
  public static func featureWidths(_ configuration: WNetConfiguration) -> [Int] {
    [configuration.slimHalfScale ? slimHalfWidth : featureWidths[0]] + featureWidths.dropFirst()
  }
  /// The full-resolution feature width.
  public static let fullResolutionWidth = 8
  /// The full-resolution features' and refinement unit's width with `slimFullScale`.
  public static let slimFullWidth = 4
  /// The full-resolution feature width of a network of `configuration`:
  /// ``fullResolutionWidth``, or ``slimFullWidth`` with `slimFullScale`.
  public static func fullResolutionWidth(_ configuration: WNetConfiguration) -> Int {
    configuration.slimFullScale ? slimFullWidth : fullResolutionWidth
  }
  /// The coarse aggregation width.
  public static let coarseWidth = 48
  /// The coarse aggregation width with `slimCoarseScales`.
  public static let slimCoarseWidth = 24
  /// The coarse aggregation width of a network of `configuration`: ``coarseWidth``, or
  /// ``slimCoarseWidth`` with `slimCoarseScales`.
  public static func coarseWidth(_ configuration: WNetConfiguration) -> Int {
    configuration.slimCoarseScales ? slimCoarseWidth : coarseWidth
  }
  /// The 1/4 refinement units' width with `slimCoarseScales` (the 1/4 features' otherwise).
  public static let slimQuarterRefinementWidth = 12
  /// The refinement units' widths at 1/4, 1/2 and 1/1 of a network of `configuration`: the
  /// features' widths at those scales, the 1/4 one ``slimQuarterRefinementWidth`` with
  /// `slimCoarseScales`.
  public static func refinementWidths(_ configuration: WNetConfiguration) -> [Int] {
    var widths = refinedFeatureWidths(configuration)
    if configuration.slimCoarseScales { widths[0] = slimQuarterRefinementWidth }
    return widths
  }
  /// The widths of the features each refinement scale reads, at 1/4, 1/2 and 1/1.
  static func refinedFeatureWidths(_ configuration: WNetConfiguration) -> [Int] {
    let widths = featureWidths(configuration)
    return [widths[1], widths[0], fullResolutionWidth(configuration)]
  }
  /// The offset radius `r` of a refinement scale: offsets `−r…r` (the finest scale's always).
  public static let refinementRadius = 2
  /// The 1/4 scale's offset radius with `wideRefinement` (±16 input pixels).
  public static let wideRefinementRadius = 4

  /// The offset radius of each refinement scale, 1/4, 1/2 and 1/1.
  public static func refinementRadii(_ configuration: WNetConfiguration) -> [Int] {
    [configuration.wideRefinement ? wideRefinementRadius : refinementRadius]
      + [refinementRadius, refinementRadius]
  }
  /// The coarsest scale's factor (input pixels per coarse pixel): 8, or 4 with `quarterCoarse`.
  public static func coarseFactor(_ configuration: WNetConfiguration) -> Int {
    configuration.quarterCoarse ? 4 : 8
  }
  /// The refinement levels the network has: 0 (1/4), 1 (1/2) and 2 (1/1); `[1, 2]` with
  /// `quarterCoarse`. Level `l` runs at `1/2^(2−l)` and reads the pyramid's entry `2 − l`.
  public static func refinementLevels(_ configuration: WNetConfiguration) -> [Int] {
    configuration.quarterCoarse ? [1, 2] : [0, 1, 2]
  }
  /// The `ε` of the features' RMS normalization before correlation (`cosineCorrelation`).
  public static let normalizationEpsilon: Float = 0.01
  /// The number of units of the context branch at 1/16.
  public static let contextUnitCount = 3
  /// The initial `α` of `correlationSkip`: a cosine correlation of 0.9 against 0.2 adds about
  /// 3 to the logit, as much as the trained aggregation's typical margins.
  public static let correlationSkipInitialScale: Float = 4
  /// The number of extra 1/8 feature units with `deepFeatures`.
  public static let deepFeatureUnitCount = 3
  /// With `localCoarseEstimate`: the coarse candidates on each side of the most likely one
  /// that the estimate handed to 1/4 averages over (±8 input pixels); with
  /// `localRefinementEstimates`, the offsets on each side of the most likely one at 1/4 and 1/2.
  public static let localEstimateRadius = 1

  /// The coarse candidates `⌊min/f⌋ …`, in 1/f pixels (`f` = ``coarseFactor(_:)``).
  public static func coarseRange(_ configuration: WNetConfiguration) -> (
    minimum: Int, count: Int
  ) {
    let f = coarseFactor(configuration)
    let minimum = Int((Double(configuration.minimumDisparity) / Double(f)).rounded(.down))
    let span = configuration.maximumDisparity - f * minimum + 1
    return (minimum, max(2, (span + f - 1) / f))
  }

  /// The coarse candidates, from the first, that the estimate handed to the finer scales runs
  /// over: all `D8` of ``coarseRange(_:)``, or with ``WNetConfiguration/searchMaximum`` M those
  /// up to `⌈M/f⌉` (`f` = ``coarseFactor(_:)``), at least two.
  public static func boundedCoarseCount(_ configuration: WNetConfiguration) -> Int {
    let (minimum, count) = coarseRange(configuration)
    guard let maximum = configuration.searchMaximum else { return count }
    let top = Int((Double(maximum) / Double(coarseFactor(configuration))).rounded(.up))
    return max(2, min(count, top - minimum + 1))
  }

  /// Creates the network with seeded He-normal weights.
  public init(configuration: WNetConfiguration, using generator: inout some RandomNumberGenerator) {
    precondition(configuration.preset == .matching, "MatchingWNet needs the matching preset")
    self.configuration = configuration
    let widths = Self.featureWidths(configuration)
    let coarseLevel = configuration.quarterCoarse ? 2 : 3
    var features: [[ConvBatchNormReLU]] = (0..<coarseLevel).map { level in
      let input = level == 0 ? 3 : widths[level - 1]
      return [
        ConvBatchNormReLU(
          inputChannels: input, outputChannels: widths[level], kernelSize: 3, stride: 2,
          using: &generator)
      ]
        + (level == 0
          ? []
          : [
            ConvBatchNormReLU(
              inputChannels: widths[level], outputChannels: widths[level], kernelSize: 3,
              using: &generator)
          ])
    }
    let matchedWidth = widths[coarseLevel - 1]
    for _ in 0..<(configuration.deepFeatures ? Self.deepFeatureUnitCount : 0) {
      features[coarseLevel - 1].append(
        ConvBatchNormReLU(
          inputChannels: matchedWidth, outputChannels: matchedWidth, kernelSize: 3,
          using: &generator))
    }
    self.features = features
    fullResolutionFeatures = ConvBatchNormReLU(
      inputChannels: 3, outputChannels: Self.fullResolutionWidth(configuration), kernelSize: 3,
      using: &generator)
    let d8 = Self.coarseRange(configuration).count
    let cw = Self.coarseWidth(configuration)
    var coarse = [
      ConvBatchNormReLU(
        inputChannels: matchedWidth + d8, outputChannels: cw, kernelSize: 3, using: &generator)
    ]
    if !configuration.coarseContext {
      coarse.append(
        ConvBatchNormReLU(inputChannels: cw, outputChannels: cw, kernelSize: 3, using: &generator))
    }
    self.coarse = coarse
    coarseHead = Conv2D(
      inputChannels: cw, outputChannels: d8, kernelSize: 3, useBias: true, using: &generator)
    correlationSkipScale =
      configuration.correlationSkip
      ? Parameter(Tensor([Self.correlationSkipInitialScale])) : nil
    // Coarse to fine: 1/4 (two units), 1/2 and 1/1 (one each); width = the scale's features.
    let refineWidths = Self.refinementWidths(configuration)
    let unitCounts = [2, 1, 1]
    var refinements: [[ConvBatchNormReLU]] = []
    var heads: [Conv2D] = []
    for level in Self.refinementLevels(configuration) {
      let (width, count) = (refineWidths[level], unitCounts[level])
      let k = 2 * Self.refinementRadii(configuration)[level] + 1
      // The unit reads the scale's features and its correlation.
      let featureWidth = Self.refinedFeatureWidths(configuration)[level]
      var units = [
        ConvBatchNormReLU(
          inputChannels: featureWidth + k, outputChannels: width, kernelSize: 3,
          using: &generator)
      ]
      for _ in 1..<count {
        units.append(
          ConvBatchNormReLU(
            inputChannels: width, outputChannels: width, kernelSize: 3, using: &generator))
      }
      refinements.append(units)
      heads.append(
        Conv2D(
          inputChannels: width, outputChannels: k, kernelSize: 3, useBias: true, using: &generator))
    }
    self.refinements = refinements
    refinementHeads = heads
    if configuration.coarseContext {
      context = (0..<Self.contextUnitCount).map { _ in
        ConvBatchNormReLU(inputChannels: cw, outputChannels: cw, kernelSize: 3, using: &generator)
      }
      contextMerge = ConvBatchNormReLU(
        inputChannels: 2 * cw, outputChannels: cw, kernelSize: 3, using: &generator)
    } else {
      context = []
      contextMerge = nil
    }
  }

  /// The feature pyramid of one view's RGB: `[f¹, f½, f¼, f⅛]` (`[f¹, f½, f¼]` with
  /// `quarterCoarse`).
  func pyramid<Builder: NetworkBuilder>(
    _ rgb: Builder.Value, view: String, into builder: inout Builder
  ) -> [Builder.Value] {
    var result = [
      builder.convBatchNormReLU(rgb, fullResolutionFeatures, name: "features.full.\(view)")
    ]
    var x = rgb
    for (scale, units) in features.enumerated() {
      for (index, unit) in units.enumerated() {
        x = builder.convBatchNormReLU(x, unit, name: "features.\(scale).\(index).\(view)")
      }
      result.append(x)
    }
    return result
  }

  public func buildScales<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> [ScaleScores<Builder.Value>] {
    let sides: [StereoSide] = views == .both ? [.left, .right] : [.left]
    // Stage: one feature extractor, run on each view.
    let leftRGB = builder.channels(input, 0..<3, name: "input.left")
    let rightRGB = builder.channels(input, 3..<6, name: "input.right")
    let leftPyramid = pyramid(leftRGB, view: "left", into: &builder)
    let rightPyramid = pyramid(rightRGB, view: "right", into: &builder)
    func own(_ side: StereoSide) -> [Builder.Value] { side == .left ? leftPyramid : rightPyramid }
    func view(_ side: StereoSide) -> CorrelationView { side == .left ? .left : .right }
    // What the correlations compare: the pyramids, or their RMS-normalized features at 1/8 and
    // 1/4 (where the estimate is decided; at 1/2 and 1/1 the unfused normalization would cost a
    // third of the inference time).
    func matched(_ pyramid: [Builder.Value], view: String) -> [Builder.Value] {
      guard configuration.cosineCorrelation else { return pyramid }
      return pyramid.enumerated().map { level, features in
        guard level >= 2 else { return features }
        return builder.rmsNormalized(
          features, epsilon: Self.normalizationEpsilon, name: "match.\(level).\(view)")
      }
    }
    let leftMatched = matched(leftPyramid, view: "left")
    let rightMatched = matched(rightPyramid, view: "right")
    func ownMatched(_ side: StereoSide) -> [Builder.Value] {
      side == .left ? leftMatched : rightMatched
    }
    func otherMatched(_ side: StereoSide) -> [Builder.Value] {
      side == .left ? rightMatched : leftMatched
    }

    // Stage: the whole range at 1/8 (1/4), as absolute candidates.
    let (coarseMinimum, d8) = Self.coarseRange(configuration)
    let c = leftPyramid.count - 1  // the coarse features' index
    var scores: [StereoSide: Builder.Value] = [:]
    var disparity: [StereoSide: Builder.Value] = [:]
    for side in sides {
      let name = "coarse.\(side.rawValue)"
      let volume = builder.correlation(
        leftMatched[c], rightMatched[c], minimumDisparity: coarseMinimum, candidateCount: d8,
        view: view(side), name: "\(name).correlation")
      var x = builder.concatenated([own(side)[c], volume], name: "\(name).concat")
      for (index, unit) in coarse.enumerated() {
        x = builder.convBatchNormReLU(x, unit, name: "coarse.\(index).\(side.rawValue)")
      }
      if let contextMerge {
        var c = builder.maxPool(x, size: 2, name: "coarse.context.pool.\(side.rawValue)")
        for (index, unit) in context.enumerated() {
          c = builder.convBatchNormReLU(
            c, unit, name: "coarse.context.\(index).\(side.rawValue)")
        }
        let merged = builder.upsampled2xConcatenated(
          c, x, name: "coarse.context.up.\(side.rawValue)")
        x = builder.convBatchNormReLU(
          merged, contextMerge, name: "coarse.context.merge.\(side.rawValue)")
      }
      scores[side] = builder.convolution(
        x, coarseHead, outputChannels: nil, name: "coarse.head.\(side.rawValue)")
      if let correlationSkipScale {
        scores[side] = builder.scaledSum(
          scores[side]!, volume, scale: correlationSkipScale, name: "coarse.skip.\(side.rawValue)")
      }
      // A stated maximum leaves the candidates above it out of the estimate (not the scores).
      let kept = Self.boundedCoarseCount(configuration)
      let estimated =
        kept < d8
        ? builder.channels(scores[side]!, 0..<kept, name: "\(name).bounded") : scores[side]!
      disparity[side] =
        configuration.localCoarseEstimate
        ? builder.localExpectedDisparity(
          estimated, minimumDisparity: coarseMinimum, candidateCount: kept,
          radius: Self.localEstimateRadius, base: nil, name: "\(name).disparity")
        : builder.expectedDisparity(
          estimated, minimumDisparity: coarseMinimum, candidateCount: kept, base: nil,
          name: "\(name).disparity")
    }
    var result = [
      ScaleScores(
        factor: Self.coarseFactor(configuration), minimumDisparity: coarseMinimum,
        candidateCount: d8,
        left: scores[.left]!, right: scores[.right])
    ]

    // Stage: offsets around the up-sampled estimate at 1/4, 1/2 and 1/1.
    let levels = Self.refinementLevels(configuration)
    for (index, (level, units)) in zip(levels, refinements).enumerated() {
      let r = Self.refinementRadii(configuration)[level]
      let pyramidIndex = 2 - level  // f¼, f½, f¹
      // The 1/4 scale may run several passes (`quarterPasses`), each around the last's estimate.
      let passes = level == 0 ? configuration.quarterPasses : 1
      var bases: [StereoSide: Builder.Value] = [:]
      for side in sides {
        let baseName = "refine.\(level).\(side.rawValue).base"
        var base =
          index < configuration.propagation
            || (side == .right && index == builder.rightPropagatedRefinement)
          ? builder.propagatedDisparity(
            disparity[side]!, own: ownMatched(side)[pyramidIndex],
            other: otherMatched(side)[pyramidIndex], side: side, name: baseName)
          : builder.upsampledDisparity(disparity[side]!, name: baseName)
        for pass in 0..<passes {
          // The first pass keeps the names every checkpoint and export has known.
          let suffix = pass == 0 ? "" : ".pass\(pass)"
          let name = "refine.\(level).\(side.rawValue)\(suffix)"
          if pass > 0 { base = disparity[side]! }
          bases[side] = base
          let features = own(side)[pyramidIndex]
          let warped = builder.warped(
            otherMatched(side)[pyramidIndex], by: base, side: side, name: "\(name).warp")
          let matchedFeatures = ownMatched(side)[pyramidIndex]
          let (l, rr) = side == .left ? (matchedFeatures, warped) : (warped, matchedFeatures)
          let volume = builder.correlation(
            l, rr, minimumDisparity: -r, candidateCount: 2 * r + 1, view: view(side),
            name: "\(name).correlation")
          var x = builder.concatenated([features, volume], name: "\(name).concat")
          for (index, unit) in units.enumerated() {
            x = builder.convBatchNormReLU(
              x, unit, name: "refine.\(level).\(index).\(side.rawValue)\(suffix)")
          }
          scores[side] = builder.convolution(
            x, refinementHeads[index], outputChannels: nil,
            name: "refine.\(level).head.\(side.rawValue)\(suffix)")
          if index < refinements.count - 1 {
            disparity[side] =
              configuration.localRefinementEstimates
              ? builder.localExpectedDisparity(
                scores[side]!, minimumDisparity: -r, candidateCount: 2 * r + 1,
                radius: Self.localEstimateRadius, base: base, name: "\(name).disparity")
              : builder.expectedDisparity(
                scores[side]!, minimumDisparity: -r, candidateCount: 2 * r + 1, base: base,
                name: "\(name).disparity")
          }
        }
      }
      result.append(
        ScaleScores(
          factor: 4 >> level, minimumDisparity: -r, candidateCount: 2 * r + 1,
          left: scores[.left]!, right: scores[.right], leftBase: bases[.left],
          rightBase: bases[.right]))
    }
    return result
  }

  /// The finest scale's offset scores: `[N, H, W, K]` for the left view, or both views'
  /// `[N, H, W, 2K]` (left first).
  public func build<Builder: NetworkBuilder>(
    _ input: Builder.Value, views: ScoredViews, into builder: inout Builder
  ) -> Builder.Value {
    let finest = buildScales(input, views: views, into: &builder).last!
    guard views == .both, let right = finest.right else { return finest.left }
    return builder.concatenated([finest.left, right], name: "scores")
  }

  public var parameters: Parameters {
    var result = Parameters()
    for (scale, units) in features.enumerated() {
      for (index, unit) in units.enumerated() {
        result.append("features.\(scale).\(index)", unit.parameters)
      }
    }
    result.append("features.full", fullResolutionFeatures.parameters)
    for (index, unit) in coarse.enumerated() { result.append("coarse.\(index)", unit.parameters) }
    result.append("coarse.head", coarseHead.parameters)
    if let correlationSkipScale { result.append("coarse.skip.scale", correlationSkipScale) }
    for (index, unit) in context.enumerated() {
      result.append("coarse.context.\(index)", unit.parameters)
    }
    if let contextMerge { result.append("coarse.context.merge", contextMerge.parameters) }
    for (level, (units, head)) in zip(
      Self.refinementLevels(configuration), zip(refinements, refinementHeads))
    {
      for (index, unit) in units.enumerated() {
        result.append("refine.\(level).\(index)", unit.parameters)
      }
      result.append("refine.\(level).head", head.parameters)
    }
    return result
  }
}
