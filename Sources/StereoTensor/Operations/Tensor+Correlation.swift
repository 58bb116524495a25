/// The view a correlation volume is indexed by, and so which way it looks into the other view.
///
/// A point at column `x` of the left view is at column `x − d` of the right view.
public enum CorrelationView: Sendable {
  /// `volume(x, k) = ⟨L(x), R(x − d_k)⟩ / C`.
  case left
  /// `volume(x, k) = ⟨R(x), L(x + d_k)⟩ / C`: the left view's volume sheared,
  /// `right(x, k) = left(x + d_k, k)`.
  case right
}

extension Tensor {
  /// The correlation (cost) volume of two feature maps over `D` candidate disparities, as one
  /// fused operation, forward and backward.
  ///
  ///     d_k = minimumDisparity + k,  k = 0..<D
  ///     left view:   out[n, y, x, k] = (1/C) Σ_c left[n, y, x, c] · right[n, y, x − d_k, c]
  ///     right view:  out[n, y, x, k] = (1/C) Σ_c right[n, y, x, c] · left[n, y, x + d_k, c]
  ///
  /// Samples outside the image contribute 0 (zero padding, as DispNetC's correlation): at the
  /// left view's first `d_k` columns candidate `k` scores 0. Normalising by `C` keeps the
  /// scores' scale independent of the feature width.
  ///
  /// Differentiable in both feature maps:
  ///
  ///     ∂/∂left[x, c]  = (1/C) Σ_k g[x, k] · right[x − d_k, c]          (left view)
  ///     ∂/∂right[x, c] = (1/C) Σ_k g[x + d_k, k] · left[x + d_k, c]
  ///
  /// The kernel lays each row of the shifted map out as per-channel planes so that every
  /// pixel's `D` scores are eight-lane multiply-adds (see `Kernels.correlation`); rows run in
  /// parallel. ``composedCorrelation(left:right:minimumDisparity:candidateCount:view:)`` is the
  /// same operation built from shifts, products and a channel mean: the oracle it is tested
  /// against (within 1e-5 forward and backward).
  ///
  /// - Parameters:
  ///   - left: `[N, H, W, C]` features of the left view.
  ///   - right: `[N, H, W, C]` features of the right view.
  ///   - minimumDisparity: `d_0`, the smallest candidate, in pixels (may be negative).
  ///   - candidateCount: `D ≥ 1`.
  ///   - view: The view the volume is indexed by.
  /// - Returns: `[N, H, W, D]`.
  public static func correlation(
    left: Tensor, right: Tensor, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView = .left
  ) -> Tensor {
    checkCorrelationShapes(left, right, candidateCount)
    let (reference, target) = view == .left ? (left, right) : (right, left)
    let reversed = view == .left
    let output = Profiler.measure("correlation") {
      Kernels.correlation(
        reference: reference, target: target, minimumDisparity: minimumDisparity,
        candidateCount: candidateCount, reversed: reversed)
    }
    let inputs = view == .left ? [left, right] : [right, left]
    let (needsReference, needsTarget) = (inputs[0].requiresGradient, inputs[1].requiresGradient)
    let (detachedReference, detachedTarget) = (reference.detached, target.detached)
    let result = Tensor.record(output, inputs: inputs) { gradient in
      Profiler.measure("correlation.bwd") {
        let gradients = Kernels.correlationBackward(
          gradient, reference: detachedReference, target: detachedTarget,
          minimumDisparity: minimumDisparity, reversed: reversed,
          needsReference: needsReference, needsTarget: needsTarget)
        return [gradients.reference, gradients.target]
      }
    }
    return result
  }

  static func checkCorrelationShapes(_ left: Tensor, _ right: Tensor, _ candidateCount: Int) {
    let (_, _, _, c) = left.nhwc("correlation left")
    _ = right.nhwc("correlation right")
    precondition(
      left.shape == right.shape, "correlation: left \(left.shape) and right \(right.shape) differ")
    precondition(c > 0, "correlation needs at least one channel, got \(left.shape)")
    precondition(
      candidateCount > 0, "correlation needs at least one candidate, got \(candidateCount)")
  }

  /// The correlation volume as a composition of tensor operations: the fused kernel's oracle.
  ///
  /// The same as ``correlation(left:right:minimumDisparity:candidateCount:view:)``, built from
  /// existing operations: per candidate, the other view zero-padded and sliced (a shift by
  /// `d_k`), multiplied by this view, averaged over channels; the `D` maps joined along
  /// channels. Slow and memory-hungry (about 25x the fused kernel); for tests.
  ///
  /// - Parameters: As ``correlation(left:right:minimumDisparity:candidateCount:view:)``.
  /// - Returns: `[N, H, W, D]`.
  public static func composedCorrelation(
    left: Tensor, right: Tensor, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView = .left
  ) -> Tensor {
    checkCorrelationShapes(left, right, candidateCount)
    let w = left.shape[2]
    let (reference, target) = view == .left ? (left, right) : (right, left)
    let direction = view == .left ? -1 : 1
    let shifts = (0..<candidateCount).map { direction * (minimumDisparity + $0) }
    let pad = shifts.map { Swift.abs($0) }.max() ?? 0
    let padded = target.padded(axis: 2, before: pad, after: pad, mode: .zero)
    let maps = shifts.map { shift -> Tensor in
      // A shift of w or more columns in either direction reads only padding.
      let shifted = padded.slice(axis: 2, (pad + shift)..<(pad + shift + w))
      return (reference * shifted).mean(axes: [3], keepingDimensions: true)
    }
    return Tensor.concatenate(maps, axis: 3)
  }
}
