import StereoTensor

/// Deep3D's selection layer generalised to offsets around a per-pixel base disparity, with linear
/// interpolation: the refinement step of a coarse-to-fine network.
///
///     P = softmax(logits) over K                                  logits: [N, H, W, K]
///     s_k(x) = x + σ·(d0(x) + o_k)                                source column, real-valued
///     view(n, y, x, c) = Σ_k P_k(x) · source_lin(n, y, s_k(x), c)
///     disparity(x) = d0(x) + Σ_k P_k(x) · o_k
///
/// with σ = −1 for the left view (`L̂(x) = Σ_k P(k|x)·R(x − d0(x) − o_k)`; a point at column x
/// of the left view is at x − d in the right view) and σ = +1 for the right view
/// (`R̂(x) = Σ_k P(k|x)·L(x + d0(x) + o_k)`). `source_lin(s)` interpolates linearly between
/// columns `⌊s⌋` and `⌊s⌋ + 1`, and positions outside `[0, W − 1]` replicate the edge column, as
/// ``ProbabilisticSelection`` does; ``SelectionOutput/validity`` is the probability mass of the
/// taps with `0 ≤ s_k ≤ W − 1`, for the loss to weight each pixel by. With `d0 = 0` and the
/// integer offsets `d_0…d_max` this is exactly ``ProbabilisticSelection``.
///
/// The base disparity `d0` is a constant: the layer neither returns nor propagates a gradient
/// for it (an up-sampled coarse estimate is refined by the finer scale's offsets, not moved by
/// them; detach it, or it is treated as detached). Gradients flow to the logits and the source:
///
///     a_k = Σ_c g_c · source_lin(s_k, c) + g_d · o_k
///     ∂/∂logit_k = P_k · (a_k − Σ_j P_j·a_j)
///     ∂/∂source(⌊s_k⌋, c) += P_k·(1 − f_k)·g_c,  ∂/∂source(⌊s_k⌋ + 1, c) += P_k·f_k·g_c
///
/// where `f_k = s_k − ⌊s_k⌋` after clamping `s_k` to `[0, W − 1]` (edge replicas fold onto the
/// edge). A non-finite `s_k` (a NaN base disparity) reads column 0 and counts as outside.
///
/// One kernel does the forward pass and one the backward, parallel over image rows (the taps
/// stay in their row, so the source gradient of a row has one writer).
/// ``composed(logits:baseDisparity:source:)`` is the same layer built from tensor operations,
/// the oracle the kernels are tested against.
///
/// Reference: Xie, Girshick, Farhadi, "Deep3D", ECCV 2016, arXiv:1604.03650; the offsets around
/// an up-sampled estimate follow StereoNet's and HITNet's coarse-to-fine refinement.
public struct OffsetSelection: Sendable {
  /// The offsets `o_k` around the base disparity, in pixels; `K = offsets.count`.
  public let offsets: [Float]
  /// The view the distribution belongs to.
  public let side: StereoSide

  /// Creates a layer for the given offsets.
  ///
  /// - Parameters:
  ///   - offsets: `o_k`, any finite values (typically evenly spaced around 0); at least one.
  ///   - side: The view the distribution belongs to.
  public init(offsets: [Float], side: StereoSide) {
    precondition(!offsets.isEmpty, "OffsetSelection needs at least one offset")
    precondition(
      offsets.allSatisfy(\.isFinite), "OffsetSelection offsets must be finite: \(offsets)")
    self.offsets = offsets
    self.side = side
  }

  /// Creates a layer for the `2·radius + 1` offsets `−radius·step, …, 0, …, radius·step`.
  ///
  /// - Parameters:
  ///   - radius: The number of steps on each side of 0, at least 0.
  ///   - step: The spacing of the offsets in pixels (e.g. 0.5 for half-pixel refinement).
  ///   - side: The view the distribution belongs to.
  public init(radius: Int, step: Float = 1, side: StereoSide) {
    precondition(radius >= 0, "OffsetSelection radius must be at least 0, got \(radius)")
    self.init(offsets: (-radius...radius).map { Float($0) * step }, side: side)
  }

  /// `K`, the number of offsets.
  public var candidateCount: Int { offsets.count }

  func checkShapes(_ logits: Tensor, _ baseDisparity: Tensor, _ source: Tensor) {
    let (n, h, w, k) = logits.nhwc("OffsetSelection logits")
    let (bn, bh, bw, one) = baseDisparity.nhwc("OffsetSelection base disparity")
    let (sn, sh, sw, c) = source.nhwc("OffsetSelection source")
    precondition(
      k == candidateCount, "Expected \(candidateCount) logit channels, got \(logits.shape)")
    precondition(
      (bn, bh, bw, one) == (n, h, w, 1),
      "The base disparity \(baseDisparity.shape) must be [N, H, W, 1] for logits \(logits.shape)")
    precondition(
      (sn, sh, sw) == (n, h, w),
      "Source \(source.shape) does not match logits \(logits.shape) in N, H, W")
    precondition(c > 0, "The source needs at least one channel, got \(source.shape)")
  }

  /// Renders the view, its expected disparity and validity, in one fused kernel.
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, K]` scores of this view over the offsets.
  ///   - baseDisparity: `[N, H, W, 1]`, `d0`, in pixels of this resolution; a constant (no
  ///     gradient).
  ///   - source: `[N, H, W, C]`, the other view (or any map to carry across).
  /// - Returns: The reconstruction `[N, H, W, C]` and disparity `[N, H, W, 1]` (differentiable),
  ///   the validity `[N, H, W, 1]` and the probabilities `[N, H, W, K]` (constants).
  public func callAsFunction(logits: Tensor, baseDisparity: Tensor, source: Tensor)
    -> SelectionOutput
  {
    checkShapes(logits, baseDisparity, source)
    let base = baseDisparity.detached
    let forward = Profiler.measure("offset-selection") {
      forwardKernel(logits: logits, baseDisparity: base, source: source)
    }
    let logitsShape = logits.shape  // not the logits: backward needs only the probabilities
    let (constantSource, sourceNeedsGradient) = (source.detached, source.requiresGradient)
    let outputs = Tensor.record(
      outputs: [forward.reconstruction, forward.disparity], inputs: [logits, source]
    ) { gradients in
      Profiler.measure("offset-selection.bwd") {
        let logitsGradient = Tensor(uninitializedShape: logitsShape)
        let sourceGradient = self.backwardKernel(
          probabilities: forward.probabilities, baseDisparity: base, source: constantSource,
          viewGradient: gradients[0], disparityGradient: gradients[1],
          needsSource: sourceNeedsGradient, into: logitsGradient)
        return [logitsGradient, sourceGradient]
      }
    }
    return SelectionOutput(
      reconstruction: outputs[0], disparity: outputs[1], validity: forward.validity,
      probabilities: forward.probabilities)
  }
}

extension OffsetSelection {
  /// A map of the other view carried onto this view's grid by a disparity map: the layer with
  /// the one offset 0,
  ///
  ///     out(n, y, x, c) = source_lin(n, y, x + σ·d(x), c)
  ///
  /// linear between columns, edge replicated outside `[0, W − 1]`; differentiable in `source`
  /// only (`d` is a constant).
  ///
  /// - Parameters:
  ///   - source: `[N, H, W, C]`.
  ///   - disparity: `[N, H, W, 1]`, in pixels of this resolution.
  ///   - side: The view whose grid the result is on (σ = −1 for left, +1 for right).
  /// - Returns: `[N, H, W, C]`.
  public static func warp(_ source: Tensor, by disparity: Tensor, side: StereoSide) -> Tensor {
    let (n, h, w, _) = source.nhwc("OffsetSelection.warp source")
    let logits = Tensor.zeros([n, h, w, 1])
    return OffsetSelection(offsets: [0], side: side)(
      logits: logits, baseDisparity: disparity, source: source
    ).reconstruction
  }
}
