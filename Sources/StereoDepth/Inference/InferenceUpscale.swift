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
  /// The candidate factors, each at least 1, in the order they are tried.
  public let factors: [Float]

  /// The input's own size (the default).
  public static let none = InferenceUpscale(uncheckedFactors: [1])
  /// Factors 1, 1.5 and 2, chosen per pair: about 5 times the network's time (`1 + 2.25` and
  /// the ×2 run, which ends one scale early).
  public static let automatic = InferenceUpscale(uncheckedFactors: [1, 1.5, 2])
  /// The largest factor accepted: 4 already means 16 times the pixels.
  public static let largestFactor: Float = 4

  private init(uncheckedFactors factors: [Float]) { self.factors = factors }

  /// One fixed factor in `[1, largestFactor]`, or `nil` outside it.
  public init?(factor: Float) {
    guard factor >= 1, factor <= Self.largestFactor else { return nil }
    factors = [factor]
  }

  /// `auto` (``automatic``) or one factor such as `2`; `nil` for anything else.
  public init?(_ text: String) {
    if text == "auto" {
      self = .automatic
    } else if let factor = Float(text), let fixed = InferenceUpscale(factor: factor) {
      self = fixed
    } else {
      return nil
    }
  }

  /// Whether a pair is ever enlarged.
  public var enlarges: Bool { factors.contains { $0 > 1 } }

  /// The factors to run for one pair, capped at `cap` (at least 1) and without repeats.
  public func factors(cappedAt cap: Float) -> [Float] {
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
