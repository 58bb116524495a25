/// Running a coarse-to-fine model on an enlarged copy of the pair, fixed or chosen per pair.
///
/// The network then sees finer detail at every scale (its coarsest scale, 1/8 of the working
/// size, becomes 1/4 of the input at a factor of 2), at the cost of `f²` the pixels. The
/// disparity is resized back and divided by `f`.
///
/// With several candidate factors the estimator runs each and keeps the one whose disparity
/// rebuilds the left view from the right best (``ReconstructionError``, at the input's size):
/// the model's own training objective, no label. Each factor is capped at
/// `d_max,model / d_max,input` when the pair's largest disparity is known, so that the enlarged
/// disparities stay within the candidates, and at 1 for a model that is not coarse-to-fine.
public struct InferenceUpscale: Sendable, Equatable {
  /// The candidate factors, each at least 1, in the order they are tried (with
  /// ``targetPixels``, the largest factor).
  public let factors: [Float]
  /// With ``small``: the pixel count that smaller inputs are enlarged towards, at most by
  /// ``factors``' one; `nil` for fixed factors.
  public let targetPixels: Int?

  /// The input's own size (the default).
  public static let none = InferenceUpscale(uncheckedFactors: [1])
  /// Small inputs enlarged towards 640×480's pixel count: a pair of `w·h` pixels runs at
  /// `f = min(1.5, sqrt(307200 / (w·h)))` when that exceeds 1, else at its own size; so no input
  /// costs more than a 640×480 frame, and those and larger ones are unchanged.
  public static let small = InferenceUpscale(uncheckedFactors: [1.5], targetPixels: 640 * 480)
  /// Factors 1, 1.5 and 2, chosen per pair: about 5 times the network's time (`1 + 2.25` and
  /// the ×2 run, which ends one scale early).
  public static let automatic = InferenceUpscale(uncheckedFactors: [1, 1.5, 2])
  /// What `wnet infer` and `wnet eval` run pairs at unless told otherwise: ``small``.
  ///
  /// Chosen on the label-free judges at half size (docs/RUNS.md, "Small inputs enlarged"). The
  /// library's `predict` keeps ``none`` as its default, so its callers see the pair's own size.
  public static let standard = small
  /// The largest factor accepted: 4 already means 16 times the pixels.
  public static let largestFactor: Float = 4
  /// Whether a run at a factor below 2 ends one scale early, as a run enlarged ×2 does: the
  /// network's finest (working-resolution) scale is left out, and its 1/2 scale's disparity,
  /// peak and left-right check are up-sampled ×2 to the input's size (`--finest-scale half`).
  ///
  /// The working size is then rounded up to even numbers, and the right view ends one scale
  /// before the left one fewer (its 1/2 scale, as in a full run with the default
  /// ``InvalidPixelRule/rightViewScalesDropped``). The left-right threshold τ is in the 1/2
  /// scale's pixels. Why: the bundled model's finest scale moves the up-sampled 1/2 estimate by
  /// more than 1 px on under 1% of the pixels (docs/RUNS.md, "The full-resolution scale dropped
  /// at inference") but takes about a fifth of the marked map's time with AVX2 alone. `false`
  /// by default. A coarse-to-fine model only; a prediction that keeps its probabilities runs the
  /// finest scale anyway (they are that scale's distribution).
  public var endsAtHalfScale = false

  private init(uncheckedFactors factors: [Float], targetPixels: Int? = nil) {
    self.factors = factors
    self.targetPixels = targetPixels
  }

  /// One fixed factor in `[1, largestFactor]`, or `nil` outside it.
  public init?(factor: Float) {
    guard factor >= 1, factor <= Self.largestFactor else { return nil }
    self.init(uncheckedFactors: [factor])
  }

  /// `auto` (``automatic``), `small` (``small``) or one factor such as `2`; `nil` for anything
  /// else.
  public init?(_ text: String) {
    if text == "auto" {
      self = .automatic
    } else if text == "small" {
      self = .small
    } else if let factor = Float(text), let fixed = InferenceUpscale(factor: factor) {
      self = fixed
    } else {
      return nil
    }
  }

  /// Whether a pair is ever enlarged.
  public var enlarges: Bool { factors.contains { $0 > 1 } }

  /// This rule for a model of `configuration`: ``small`` (a policy by size) becomes ``none``
  /// where enlarging cannot run (a model that is not coarse-to-fine); fixed factors and `auto`
  /// stay, and the estimator refuses them there.
  public func applicable(to configuration: WNetConfiguration) -> InferenceUpscale {
    targetPixels != nil && !configuration.isCoarseToFine ? .none : self
  }

  /// The factors to run for a pair of `width × height` pixels, capped at `cap` (at least 1) and
  /// without repeats.
  public func factors(width: Int, height: Int, cappedAt cap: Float) -> [Float] {
    var factors = factors
    if let targetPixels {
      let toward = Float((Double(targetPixels) / Double(max(width * height, 1))).squareRoot())
      factors = factors.map { max(1, min($0, toward)) }
    }
    var result: [Float] = []
    for factor in factors {
      let capped = min(factor, max(cap, 1))
      if !result.contains(capped) { result.append(capped) }
    }
    return result
  }
}

/// One candidate factor of an ``InferenceUpscale`` search and its ``ReconstructionError`` (`nil`
/// when no pixel could be rebuilt, or when the factor was skipped because it would not fit in
/// memory).
public struct UpscaleTrial: Sendable, Equatable {
  public var factor: Float
  public var reconstructionError: Double?

  public init(factor: Float, reconstructionError: Double?) {
    self.factor = factor
    self.reconstructionError = reconstructionError
  }
}
