internal import CStereoKernels
import StereoTensor

extension OffsetSelection {
  /// The input of a refinement scale in one pass: this view's features followed by their
  /// correlation with the other view's features warped by the base disparity,
  ///
  ///     warped(x)  = other_lin(x + σ·d0(x))                    (``warp(_:by:side:)``)
  ///     volume(x, k) = (1/C) Σ_c features(x, c) · warped(x + σ·o_k, c),  o_k = k − r
  ///     out = [features, volume]                                [N, H, W, C + 2r + 1]
  ///
  /// with zero where `x + σ·o_k` leaves the row (as
  /// ``StereoTensor/Tensor/correlation(left:right:minimumDisparity:candidateCount:view:)``), σ =
  /// −1 for the left view. It is exactly what
  /// ``refinementInputComposed(features:other:baseDisparity:side:radius:)`` builds from the
  /// warp, the correlation (minimum `−r`, `2r + 1` candidates, indexed by `side`) and the
  /// concatenation, bit for bit: the warped row lives in a per-thread buffer
  /// (never a tensor), laid out as the correlation kernel lays out its rows (one plane per
  /// channel, reversed for the left view, zero padded) and summed in the same order, and the
  /// scores go straight into the concatenation. Inference only (no gradient).
  ///
  /// - Parameters:
  ///   - features: `[N, H, W, C]`, this view's features.
  ///   - other: `[N, H, W, C]`, the other view's.
  ///   - baseDisparity: `[N, H, W, 1]`, `d0` in pixels of this resolution.
  ///   - side: This view.
  ///   - radius: `r`, at most 3 (the offsets fill one eight-lane vector).
  /// - Returns: `[N, H, W, C + 2r + 1]`.
  public static func refinementInput(
    features: Tensor, other: Tensor, baseDisparity: Tensor, side: StereoSide, radius: Int
  ) -> Tensor {
    let (n, h, w, c) = refinementShape(
      features: features, other: other, baseDisparity: baseDisparity, radius: radius,
      caller: "refinementInput")
    let outputChannels = c + 2 * radius + 1
    let output = Tensor(uninitializedShape: [n, h, w, outputChannels])
    let pointers = UncheckedSendable(
      (
        features.unsafePointer, other.unsafePointer, baseDisparity.unsafePointer,
        output.unsafeMutablePointer
      ))
    Profiler.measure("refinement input") {
      Parallel.forEachRange(n * h, minimumChunk: 1) { rows in
        let (featuresBase, otherBase, baseBase, outputBase) = pointers.value
        let writer = RefinementInputRow(
          features: featuresBase, other: otherBase, base: baseBase, width: w, channels: c,
          radius: radius, side: side)
        for row in rows {
          writer.write(
            row: row, to: outputBase + row * w * outputChannels, pixelStride: outputChannels,
            channelStride: 1)
        }
      }
    }
    return withExtendedLifetime((features, other, baseDisparity)) { output }
  }

  /// `[N, H, W, C]` of the features, after checking the other view's features (the same shape),
  /// the base disparity (`[N, H, W, 1]`) and the radius (0...3), for `caller`'s message.
  static func refinementShape(
    features: Tensor, other: Tensor, baseDisparity: Tensor, radius: Int, caller: String
  ) -> (Int, Int, Int, Int) {
    let (n, h, w, c) = features.nhwc("\(caller) features")
    precondition(
      other.shape == features.shape && baseDisparity.shape == [n, h, w, 1],
      "\(caller): features \(features.shape), other \(other.shape) and base "
        + "\(baseDisparity.shape) must be [N, H, W, C] twice and [N, H, W, 1]")
    precondition((0...3).contains(radius), "\(caller) needs a radius in 0...3, got \(radius)")
    return (n, h, w, c)
  }

  /// ``refinementInput(features:other:baseDisparity:side:radius:)`` as the network writes it:
  /// ``warp(_:by:side:)``, then
  /// ``StereoTensor/Tensor/correlation(left:right:minimumDisparity:candidateCount:view:)``, then
  /// the concatenation. The fused kernel's oracle.
  public static func refinementInputComposed(
    features: Tensor, other: Tensor, baseDisparity: Tensor, side: StereoSide, radius: Int
  ) -> Tensor {
    let warped = warp(other, by: baseDisparity, side: side)
    let (left, right) = side == .left ? (features, warped) : (warped, features)
    let volume = Tensor.correlation(
      left: left, right: right, minimumDisparity: -radius, candidateCount: 2 * radius + 1,
      view: side == .left ? .left : .right)
    return Tensor.concatenate([features, volume], axis: 3)
  }
}

/// One row of ``OffsetSelection/refinementInput(features:other:baseDisparity:side:radius:)``,
/// written with any layout: the fused step's NHWC rows, or the planes of a narrow convolution
/// that reads it without it being stored (``OffsetSelection/refinementConvolution(features:other:baseDisparity:side:radius:filter:bias:relu:)``).
/// Where the CPU has AVX2 and FMA, a C kernel (`wnet_refinement_input_row`, eight pixels per
/// vector) writes it; the Swift rows below are its fallback and its oracle, with the same
/// operations per value (the tests compare them bit for bit). Owns one thread's buffers; not
/// shared across threads.
final class RefinementInputRow {
  let features: UnsafePointer<Float>, other: UnsafePointer<Float>, base: UnsafePointer<Float>
  let width: Int, channels: Int, radius: Int
  let direction: Float, reversed: Bool
  /// Whether rows go through the C kernel.
  let vectorized: Bool
  /// Plane index j holds column (reversed ? W − 1 − (j − r) : j − r); the taps of x are
  /// planes[base(x) + k], base(x) = reversed ? W − 1 − x : x; eight lanes are read.
  let length: Int
  /// The Swift rows' warped planes, or the C kernel's scratch.
  let planes: UnsafeMutablePointer<Float>

  init(
    features: UnsafePointer<Float>, other: UnsafePointer<Float>, base: UnsafePointer<Float>,
    width: Int, channels: Int, radius: Int, side: StereoSide,
    vectorized: Bool = VectorKernels.available
  ) {
    precondition(!vectorized || VectorKernels.available, "The C kernel needs AVX2 and FMA")
    (self.features, self.other, self.base) = (features, other, base)
    (self.width, self.channels, self.radius) = (width, channels, radius)
    direction = Float(side.direction)
    reversed = side == .left
    self.vectorized = vectorized
    length = radius + width + 8
    let count =
      vectorized
      ? wnet_refinement_input_scratch_count(Int32(width), Int32(channels)) : length * channels
    planes = UnsafeMutablePointer<Float>.allocate(capacity: count)
    planes.initialize(repeating: 0, count: count)  // the padding stays zero
  }

  deinit { planes.deallocate() }

  /// Writes row `row` (`n·H + y`): channel `ch` of pixel `x` (the features, then the `2r + 1`
  /// scores) at `destination[x · pixelStride + ch · channelStride]`.
  func write(
    row: Int, to destination: UnsafeMutablePointer<Float>, pixelStride: Int, channelStride: Int
  ) {
    if vectorized {
      wnet_refinement_input_row(
        features, other, base, Int32(width), Int32(channels), Int32(radius), reversed ? 1 : 0,
        row, destination, pixelStride, channelStride, planes)
      return
    }
    let (w, c, k) = (width, channels, 2 * radius + 1)
    let scale = 1 / Float(c)
    // Stage: the warped row, into the planes.
    let otherRow = other + row * w * c
    for x in 0..<w {
      let tap = InterpolationTap(position: Float(x) + direction * base[row * w + x], width: w)
      let (a, b) = (otherRow + tap.i0 * c, otherRow + tap.i1 * c)
      let (w0, w1) = (1 - tap.f, tap.f)
      let j = (reversed ? w - 1 - x : x) + radius
      for channel in 0..<c {
        planes[channel * length + j] = w0 * a[channel] + w1 * b[channel]
      }
    }
    // Stage: per pixel, the features, then the scores of the 2r + 1 offsets.
    for x in 0..<w {
      let own = features + (row * w + x) * c
      let out = destination + x * pixelStride
      for channel in 0..<c { out[channel * channelStride] = own[channel] }
      var sum = SIMD8<Float>()
      var tap = UnsafePointer(planes + (reversed ? w - 1 - x : x))
      for channel in 0..<c {
        sum +=
          SIMD8<Float>(repeating: own[channel])
          * UnsafeRawPointer(tap).loadUnaligned(as: SIMD8<Float>.self)
        tap += length
      }
      sum *= scale
      for j in 0..<k { out[(c + j) * channelStride] = sum[j] }
    }
  }
}
