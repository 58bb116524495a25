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
    let (n, h, w, c) = features.nhwc("refinementInput features")
    precondition(
      other.shape == features.shape && baseDisparity.shape == [n, h, w, 1],
      "refinementInput: features \(features.shape), other \(other.shape) and base "
        + "\(baseDisparity.shape) must be [N, H, W, C] twice and [N, H, W, 1]")
    precondition((0...3).contains(radius), "refinementInput needs a radius in 0...3, got \(radius)")
    let k = 2 * radius + 1
    let outputChannels = c + k
    let output = Tensor(uninitializedShape: [n, h, w, outputChannels])
    let pointers = UncheckedSendable(
      (
        features.unsafePointer, other.unsafePointer, baseDisparity.unsafePointer,
        output.unsafeMutablePointer
      ))
    let direction = Float(side.direction)
    let reversed = side == .left
    // Plane index j holds column (reversed ? W − 1 − (j − r) : j − r); the taps of x are
    // planes[base(x) + k], base(x) = reversed ? W − 1 − x : x; eight lanes are read.
    let length = radius + w + 8
    let scale = 1 / Float(c)
    Profiler.measure("refinement input") {
      Parallel.forEachRange(n * h, minimumChunk: 1) { rows in
        let (featuresBase, otherBase, baseBase, outputBase) = pointers.value
        let planes = UnsafeMutablePointer<Float>.allocate(capacity: length * c)
        defer { planes.deallocate() }
        planes.initialize(repeating: 0, count: length * c)  // the padding stays zero
        for row in rows {
          // Stage: the warped row, into the planes.
          let otherRow = otherBase + row * w * c
          for x in 0..<w {
            let tap = InterpolationTap(
              position: Float(x) + direction * baseBase[row * w + x], width: w)
            let (a, b) = (otherRow + tap.i0 * c, otherRow + tap.i1 * c)
            let (w0, w1) = (1 - tap.f, tap.f)
            let j = (reversed ? w - 1 - x : x) + radius
            for channel in 0..<c {
              planes[channel * length + j] = w0 * a[channel] + w1 * b[channel]
            }
          }
          // Stage: per pixel, the features, then the scores of the 2r + 1 offsets.
          for x in 0..<w {
            let pixel = row * w + x
            let own = featuresBase + pixel * c
            let out = outputBase + pixel * outputChannels
            out.update(from: own, count: c)
            var sum = SIMD8<Float>()
            var tap = UnsafePointer(planes + (reversed ? w - 1 - x : x))
            for channel in 0..<c {
              sum +=
                SIMD8<Float>(repeating: own[channel])
                * UnsafeRawPointer(tap).loadUnaligned(as: SIMD8<Float>.self)
              tap += length
            }
            sum *= scale
            for j in 0..<k { out[c + j] = sum[j] }
          }
        }
      }
    }
    return withExtendedLifetime((features, other, baseDisparity)) { output }
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
