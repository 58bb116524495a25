import StereoTensor

/// Which view a disparity distribution belongs to, and so which way it looks into the other view.
public enum StereoSide: String, Sendable, Codable {
  /// The left view's distribution renders the left view from the right one: source column `x − d`.
  case left
  /// The right view's distribution renders the right view from the left one: source column `x + d`.
  case right

  /// σ in `source column = x + σ·d`.
  public var direction: Int { self == .left ? -1 : 1 }
}

/// What ``ProbabilisticSelection`` gives for one view.
public struct SelectionOutput {
  /// The rendered view, `[N, H, W, C]`: `Σ_k P_k(x)·source(x + σ·d_k)`, differentiable in the
  /// logits and in the source.
  public var reconstruction: Tensor
  /// The expected disparity, `[N, H, W, 1]`: `Σ_k d_k·P_k(x)`, differentiable in the logits.
  public var disparity: Tensor
  /// The probability mass whose source column lies inside the image, `[N, H, W, 1]`, in [0, 1]; a
  /// constant (no gradient), used to weight the reconstruction loss.
  public var validity: Tensor
  /// The distribution `P`, `[N, H, W, D]`; a constant, for confidence maps.
  public var probabilities: Tensor
}

/// Deep3D's probabilistic selection layer, fused with the softmax and the expected disparity.
///
///     P = softmax(logits) over D                             logits: [N, H, W, D]
///     view(n, y, x, c) = Σ_k P_k(n, y, x) · source(n, y, clamp(x + σ·d_k), c)
///     disparity(n, y, x) = Σ_k d_k · P_k(n, y, x)             per sample, not over the batch
///
/// with σ = −1 for the left view (`L̂(x) = Σ_d P_L(d|x)·R(x − d)`) and +1 for the right view
/// (`R̂(x) = Σ_d P_R(d|x)·L(x + d)`). Samples outside the source are not zeros, which would punish
/// the borders as the 2017 W-net did: they replicate the edge, and ``SelectionOutput/validity``
/// (the in-bounds probability mass) lets the loss leave those pixels out.
///
/// One kernel does the forward pass, one the backward: per image row, the source channels are
/// laid out as padded (reversed, for the left view) planes so that the `D` taps of every pixel are
/// contiguous, and the rendering is a dot product. Backward:
///
///     a_k = Σ_c g_c · source(x + σ·d_k, c) + g_d · d_k
///     ∂/∂logit_k = P_k · (a_k − Σ_j P_j·a_j)
///     ∂/∂source(x + σ·d_k, c) += P_k · g_c        (edge replicas fold onto the edge)
///
/// ``composed(logits:source:)`` is the same layer as a plain composition of tensor operations,
/// the oracle the kernel is tested against.
///
/// Reference: Xie, Girshick, Farhadi, "Deep3D", ECCV 2016, arXiv:1604.03650.
public struct ProbabilisticSelection: Sendable {
  /// The smallest candidate disparity `d_0`.
  public let minimumDisparity: Int
  /// The number of candidates `D`; `d_k = d_0 + k`.
  public let candidateCount: Int
  /// The view the distribution belongs to.
  public let side: StereoSide

  /// Creates a layer for the candidates `minimumDisparity…maximumDisparity`.
  public init(minimumDisparity: Int, maximumDisparity: Int, side: StereoSide) {
    precondition(
      maximumDisparity >= minimumDisparity,
      "Empty disparity range \(minimumDisparity)…\(maximumDisparity)")
    self.minimumDisparity = minimumDisparity
    self.candidateCount = maximumDisparity - minimumDisparity + 1
    self.side = side
  }

  /// The padding of the source planes: every tap `x + σ·d_k` of every `x` lands inside.
  var padding: Int { Swift.max(minimumDisparity + candidateCount - 1, -minimumDisparity, 0) }

  func checkShapes(_ logits: Tensor, _ source: Tensor) -> (n: Int, h: Int, w: Int, c: Int) {
    let (n, h, w, d) = logits.nhwc("ProbabilisticSelection logits")
    let (sn, sh, sw, c) = source.nhwc("ProbabilisticSelection source")
    precondition(
      d == candidateCount, "Expected \(candidateCount) logit channels, got \(logits.shape)")
    precondition(
      (sn, sh, sw) == (n, h, w),
      "Source \(source.shape) does not match logits \(logits.shape) in N, H, W")
    precondition(c > 0, "The source needs at least one channel, got \(source.shape)")
    return (n, h, w, c)
  }

  /// Renders the view, its expected disparity and validity, in one fused kernel.
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, D]` scores of this view.
  ///   - source: `[N, H, W, C]`, the other view (or any map to carry across, e.g. the other view's
  ///     disparity for left-right consistency).
  public func callAsFunction(logits: Tensor, source: Tensor) -> SelectionOutput {
    Profiler.measure("selection") { render(logits: logits, source: source) }
  }

  func render(logits: Tensor, source: Tensor) -> SelectionOutput {
    _ = checkShapes(logits, source)
    let forward = forwardKernel(logits: logits, channelOffset: 0, source: source)
    let logitsShape = logits.shape  // not the logits: backward needs only the probabilities
    let outputs = Tensor.record(
      outputs: [forward.reconstruction, forward.disparity], inputs: [logits, source]
    ) {
      gradients in
      Profiler.measure("selection.bwd") {
        let logitsGradient = Tensor(uninitializedShape: logitsShape)
        let sourceGradient = self.backwardKernel(
          probabilities: forward.probabilities, source: source, viewGradient: gradients[0],
          disparityGradient: gradients[1], needsSource: source.requiresGradient,
          into: logitsGradient, channelOffset: 0)
        return [logitsGradient, sourceGradient]
      }
    }
    return SelectionOutput(
      reconstruction: outputs[0], disparity: outputs[1], validity: forward.validity,
      probabilities: forward.probabilities)
  }

  /// Both views at once from one `[N, H, W, 2D]` score tensor (left view's logits in channels
  /// `0..<D`, right view's in `D..<2D`), as the `realtime` head produces them: the kernels read
  /// their channels in place and backward writes one gradient, with no slicing, padding or adding.
  ///
  /// - Parameters:
  ///   - left: The left view's layer (renders from `right image`).
  ///   - right: The right view's layer (renders from `left image`).
  public static func renderPair(
    scores: Tensor, left: ProbabilisticSelection, right: ProbabilisticSelection, leftImage: Tensor,
    rightImage: Tensor
  ) -> (left: SelectionOutput, right: SelectionOutput) {
    let (n, h, w, c) = scores.nhwc("renderPair")
    let d = left.candidateCount
    precondition(
      right.candidateCount == d && c == 2 * d, "Scores \(scores.shape) must hold 2 × \(d) channels")
    precondition(
      leftImage.shape == rightImage.shape && Array(leftImage.shape.prefix(3)) == [n, h, w],
      "Images \(leftImage.shape), \(rightImage.shape) do not match scores \(scores.shape)")
    let (leftForward, rightForward) = Profiler.measure("selection") {
      (
        left.forwardKernel(logits: scores, channelOffset: 0, source: rightImage),
        right.forwardKernel(logits: scores, channelOffset: d, source: leftImage)
      )
    }
    let scoresShape = scores.shape  // not the scores (148 MB at batch 6): backward needs only P
    let outputs = Tensor.record(
      outputs: [
        leftForward.reconstruction, leftForward.disparity, rightForward.reconstruction,
        rightForward.disparity,
      ],
      inputs: [scores, rightImage, leftImage]
    ) { gradients in
      Profiler.measure("selection.bwd") {
        let scoresGradient = Tensor(uninitializedShape: scoresShape)
        let rightImageGradient = left.backwardKernel(
          probabilities: leftForward.probabilities, source: rightImage, viewGradient: gradients[0],
          disparityGradient: gradients[1], needsSource: rightImage.requiresGradient,
          into: scoresGradient, channelOffset: 0)
        let leftImageGradient = right.backwardKernel(
          probabilities: rightForward.probabilities, source: leftImage, viewGradient: gradients[2],
          disparityGradient: gradients[3], needsSource: leftImage.requiresGradient,
          into: scoresGradient, channelOffset: d)
        return [scoresGradient, rightImageGradient, leftImageGradient]
      }
    }
    return (
      SelectionOutput(
        reconstruction: outputs[0], disparity: outputs[1], validity: leftForward.validity,
        probabilities: leftForward.probabilities),
      SelectionOutput(
        reconstruction: outputs[2], disparity: outputs[3], validity: rightForward.validity,
        probabilities: rightForward.probabilities)
    )
  }

  /// The forward kernel: reads this layer's `D` logits at `channelOffset` of each pixel of
  /// `logits` (whose last extent is the channel stride).
  func forwardKernel(logits: Tensor, channelOffset: Int, source: Tensor)
    -> (probabilities: Tensor, reconstruction: Tensor, disparity: Tensor, validity: Tensor)
  {
    let (n, h, w, stride) = logits.nhwc("ProbabilisticSelection logits")
    let c = source.shape[3]
    let d = candidateCount
    precondition(
      channelOffset >= 0 && channelOffset + d <= stride,
      "Channels \(channelOffset)..<\(channelOffset + d) out of range for \(logits.shape)")
    let probabilities = Tensor(uninitializedShape: [n, h, w, d])
    let reconstruction = Tensor(uninitializedShape: [n, h, w, c])
    let disparity = Tensor(uninitializedShape: [n, h, w, 1])
    let validity = Tensor(uninitializedShape: [n, h, w, 1])
    let geometry = RowGeometry(layer: self, width: w, channels: c)
    let pointers = UncheckedSendable(
      (
        logits.unsafePointer + channelOffset, source.unsafePointer,
        probabilities.unsafeMutablePointer,
        reconstruction.unsafeMutablePointer, disparity.unsafeMutablePointer,
        validity.unsafeMutablePointer
      ))
    let minimum = Float(minimumDisparity)
    Parallel.forEachRange(n * h, minimumChunk: 4) { rows in
      let (logitsBase, sourceBase, pBase, viewBase, disparityBase, validityBase) = pointers.value
      let planes = UnsafeMutablePointer<Float>.allocate(capacity: geometry.planeLength * c)
      defer { planes.deallocate() }
      for row in rows {
        geometry.fillPlanes(planes, from: sourceBase + row * w * c)
        for x in 0..<w {
          let pixel = row * w + x
          let p = pBase + pixel * d
          p.update(from: logitsBase + pixel * stride, count: d)
          VectorMath.softmaxInPlace(p, count: d)
          let base = geometry.base(x)
          for channel in 0..<c {
            viewBase[pixel * c + channel] = VectorMath.dot(
              p, planes + channel * geometry.planeLength + base, count: d)
          }
          var expected: Float = 0
          for k in 0..<d { expected += Float(k) * p[k] }
          disparityBase[pixel] = minimum + expected
          let inside = geometry.insideRange(base)
          var mass: Float = 0
          for k in inside { mass += p[k] }
          validityBase[pixel] = mass
        }
      }
    }
    return withExtendedLifetime((logits, source)) {
      (probabilities, reconstruction, disparity, validity)
    }
  }

  /// The backward kernel: writes the gradient of this layer's logits into channels
  /// `channelOffset..<channelOffset + D` of `logitsGradient` (whose last extent is the stride)
  /// and returns the source's gradient if asked for.
  func backwardKernel(
    probabilities: Tensor, source: Tensor, viewGradient: Tensor?, disparityGradient: Tensor?,
    needsSource: Bool, into logitsGradient: Tensor, channelOffset: Int
  ) -> Tensor? {
    let (n, h, w, d) = (
      probabilities.shape[0], probabilities.shape[1], probabilities.shape[2], candidateCount
    )
    let stride = logitsGradient.shape[3]
    let c = source.shape[3]
    let sourceGradient = needsSource ? Tensor.zeros(source.shape) : nil
    let geometry = RowGeometry(layer: self, width: w, channels: c)
    let minimum = Float(minimumDisparity)
    let pointers = UncheckedSendable(
      (
        probabilities.unsafePointer, source.unsafePointer, viewGradient?.unsafePointer,
        disparityGradient?.unsafePointer, logitsGradient.unsafeMutablePointer + channelOffset,
        sourceGradient?.unsafeMutablePointer
      ))
    Parallel.forEachRange(n * h, minimumChunk: 4) { rows in
      let (pBase, sourceBase, gViewBase, gDisparityBase, gLogitsBase, gSourceBase) = pointers.value
      let planes = UnsafeMutablePointer<Float>.allocate(capacity: geometry.planeLength * c)
      let planeGradients = UnsafeMutablePointer<Float>.allocate(capacity: geometry.planeLength * c)
      let a = UnsafeMutablePointer<Float>.allocate(capacity: d)
      defer {
        planes.deallocate()
        planeGradients.deallocate()
        a.deallocate()
      }
      for row in rows {
        if gViewBase != nil { geometry.fillPlanes(planes, from: sourceBase + row * w * c) }
        if gSourceBase != nil {
          planeGradients.update(repeating: 0, count: geometry.planeLength * c)
        }
        for x in 0..<w {
          let pixel = row * w + x
          let p = pBase + pixel * d
          let base = geometry.base(x)
          let gDisparity = gDisparityBase?[pixel] ?? 0
          for k in 0..<d { a[k] = gDisparity * (minimum + Float(k)) }
          if let gViewBase {
            for channel in 0..<c {
              let g = gViewBase[pixel * c + channel]
              let plane = planes + channel * geometry.planeLength + base
              for k in 0..<d { a[k] += g * plane[k] }
              if gSourceBase != nil {
                let planeGradient = planeGradients + channel * geometry.planeLength + base
                for k in 0..<d { planeGradient[k] += g * p[k] }
              }
            }
          }
          let mean = VectorMath.dot(p, a, count: d)
          let gLogits = gLogitsBase + pixel * stride
          for k in 0..<d { gLogits[k] = p[k] * (a[k] - mean) }
        }
        if let gSourceBase {
          geometry.foldPlaneGradients(planeGradients, into: gSourceBase + row * w * c)
        }
      }
    }
    return withExtendedLifetime(
      (probabilities, source, viewGradient, disparityGradient, logitsGradient)
    ) { sourceGradient }
  }

  /// The same layer as a composition of tensor operations (shift by padding and slicing, multiply,
  /// sum): the oracle for the fused kernel. Slow and memory-hungry; for tests.
  public func composed(logits: Tensor, source: Tensor) -> SelectionOutput {
    let (_, _, w, _) = checkShapes(logits, source)
    let p = logits.softmax()
    let pad = padding
    let padded = source.padded(axis: 2, before: pad, after: pad, mode: .replicate)
    var view: Tensor?
    var inside = Tensor.zeros([1, 1, w, 1])
    var validity: Tensor?
    for k in 0..<candidateCount {
      let shift = side.direction * (minimumDisparity + k)
      let shifted = padded.slice(axis: 2, (pad + shift)..<(pad + shift + w))
      let weight = p.slice(axis: 3, k..<(k + 1))
      view = view.map { $0 + weight * shifted } ?? weight * shifted
      inside = Tensor(
        shape: [1, 1, w, 1], scalars: (0..<w).map { x in (0..<w).contains(x + shift) ? 1 : 0 })
      let contribution = weight.detached * inside
      validity = validity.map { $0 + contribution } ?? contribution
    }
    let candidates = Tensor((0..<candidateCount).map { Float(minimumDisparity + $0) })
    let disparity = (p * candidates).sum(axes: [3], keepingDimensions: true)
    return SelectionOutput(
      reconstruction: view!, disparity: disparity, validity: validity!, probabilities: p.detached)
  }
}

/// Index arithmetic shared by the forward and backward kernels for one image row.
///
/// Plane `j` of a channel holds `source(clamp(j − pad))` for the right view, and
/// `source(clamp(W − 1 − (j − pad)))` (the row reversed) for the left view, so the taps of pixel
/// `x` are `plane[base(x) + k]` for k = 0..<D with `base(x) = x + d_0 + pad` (right) or
/// `W − 1 − x + d_0 + pad` (left).
struct RowGeometry: Sendable {
  let width: Int
  let channels: Int
  let padding: Int
  let minimumDisparity: Int
  let candidateCount: Int
  let reversed: Bool

  init(layer: ProbabilisticSelection, width: Int, channels: Int) {
    self.width = width
    self.channels = channels
    self.padding = layer.padding
    self.minimumDisparity = layer.minimumDisparity
    self.candidateCount = layer.candidateCount
    self.reversed = layer.side == .left
  }

  var planeLength: Int { width + 2 * padding }

  @inline(__always)
  func sourceColumn(ofPlaneIndex j: Int) -> Int {
    let column = Swift.min(Swift.max(j - padding, 0), width - 1)
    return reversed ? width - 1 - column : column
  }

  @inline(__always)
  func base(_ x: Int) -> Int {
    (reversed ? width - 1 - x : x) + minimumDisparity + padding
  }

  /// The candidates `k` whose tap `base + k` falls inside the unpadded row.
  @inline(__always)
  func insideRange(_ base: Int) -> Range<Int> {
    let lower = Swift.max(0, padding - base)
    let upper = Swift.min(candidateCount, padding + width - base)
    return lower..<Swift.max(lower, upper)
  }

  func fillPlanes(_ planes: UnsafeMutablePointer<Float>, from row: UnsafePointer<Float>) {
    for j in 0..<planeLength {
      let column = sourceColumn(ofPlaneIndex: j)
      for channel in 0..<channels {
        planes[channel * planeLength + j] = row[column * channels + channel]
      }
    }
  }

  func foldPlaneGradients(_ planes: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>) {
    for j in 0..<planeLength {
      let column = sourceColumn(ofPlaneIndex: j)
      for channel in 0..<channels {
        row[column * channels + channel] += planes[channel * planeLength + j]
      }
    }
  }
}
