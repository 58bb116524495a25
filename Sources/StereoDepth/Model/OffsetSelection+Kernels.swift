import StereoTensor

/// One linear-interpolation tap of ``OffsetSelection``: source columns `i0` and `i1` with weights
/// `1 − f` and `f`.
struct InterpolationTap {
  var i0: Int
  var i1: Int
  var f: Float
  /// Whether the position lay inside `[0, W − 1]` before clamping.
  var inside: Bool

  /// The tap at real column `position` of a row of `width` columns: the position is clamped to
  /// `[0, W − 1]` (the edge replicates); a NaN position reads column 0 and is outside.
  @inline(__always)
  init(position: Float, width: Int) {
    let last = Float(width - 1)
    inside = position >= 0 && position <= last
    // Written so that NaN fails the first test and lands on 0: `Int(_:)` must never see it.
    let clamped = position >= 0 ? (position <= last ? position : last) : 0
    i0 = Int(clamped)
    f = clamped - Float(i0)
    i1 = Swift.min(i0 + 1, width - 1)
  }
}

/// The softmax over `count` values of each of `pixels` pixels, `[pixels, count]`, into `p`.
///
/// A whole row at a time: each pixel's values are shifted by their maximum, then one pass of
/// eight-lane `exp` runs over the row (per pixel, with `K` = 9, the calls and the scalar tail
/// cost as much as the rendering).
@inline(__always)
func softmaxRow(
  _ logits: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>, pixels: Int, count: Int
) {
  for pixel in 0..<pixels {
    let (x, y) = (logits + pixel * count, p + pixel * count)
    var peak = x[0]
    for j in 1..<Swift.max(count, 1) { peak = x[j] > peak ? x[j] : peak }
    for j in 0..<count { y[j] = x[j] - peak }
  }
  let total = pixels * count
  var index = 0
  while index + 8 <= total {
    VectorMath.store8(VectorMath.exp(VectorMath.load8(p + index)), p + index)
    index += 8
  }
  if index < total {
    var lanes = SIMD8<Float>()
    for lane in 0..<(total - index) { lanes[lane] = p[index + lane] }
    lanes = VectorMath.exp(lanes)
    for lane in 0..<(total - index) { p[index + lane] = lanes[lane] }
  }
  for pixel in 0..<pixels {
    let y = p + pixel * count
    var sum: Float = 0
    for j in 0..<count { sum += y[j] }
    let scale = 1 / sum
    for j in 0..<count { y[j] *= scale }
  }
}

extension OffsetSelection {
  /// The forward kernel: softmax, rendering, expected disparity and validity, per pixel.
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, K]`.
  ///   - baseDisparity: `[N, H, W, 1]`.
  ///   - source: `[N, H, W, C]`.
  /// - Returns: The probabilities `[N, H, W, K]`, reconstruction `[N, H, W, C]`, disparity and
  ///   validity `[N, H, W, 1]`.
  func forwardKernel(logits: Tensor, baseDisparity: Tensor, source: Tensor)
    -> (probabilities: Tensor, reconstruction: Tensor, disparity: Tensor, validity: Tensor)
  {
    let (n, h, w, k) = logits.nhwc("OffsetSelection logits")
    let c = source.shape[3]
    let probabilities = Tensor(uninitializedShape: [n, h, w, k])
    let reconstruction = Tensor(uninitializedShape: [n, h, w, c])
    let disparity = Tensor(uninitializedShape: [n, h, w, 1])
    let validity = Tensor(uninitializedShape: [n, h, w, 1])
    let pointers = UncheckedSendable(
      (
        logits.unsafePointer, baseDisparity.unsafePointer, source.unsafePointer,
        probabilities.unsafeMutablePointer, reconstruction.unsafeMutablePointer,
        disparity.unsafeMutablePointer, validity.unsafeMutablePointer
      ))
    let direction = Float(side.direction)
    let offsets = self.offsets
    Parallel.forEachRange(n * h, minimumChunk: 4) { rows in
      let (logitsBase, baseBase, sourceBase, pBase, viewBase, disparityBase, validityBase) =
        pointers.value
      // σ·o_k, so that the tap of k sits at x + σ·d0 + σ·o_k.
      let signed = UnsafeMutablePointer<Float>.allocate(capacity: k)
      defer { signed.deallocate() }
      for j in 0..<k { signed[j] = direction * offsets[j] }
      for row in rows {
        let sourceRow = sourceBase + row * w * c
        softmaxRow(logitsBase + row * w * k, into: pBase + row * w * k, pixels: w, count: k)
        for x in 0..<w {
          let pixel = row * w + x
          let p = pBase + pixel * k
          let centre = Float(x) + direction * baseBase[pixel]
          let view = viewBase + pixel * c
          if c != 3 { view.update(repeating: 0, count: c) }
          var (mass, expected): (Float, Float) = (0, 0)
          // Three channels (a colour image) accumulate in registers: the general loop's
          // per-tap stores and aliasing checks cost it about 2x.
          var (red, green, blue): (Float, Float, Float) = (0, 0, 0)
          for j in 0..<k {
            let tap = InterpolationTap(position: centre + signed[j], width: w)
            let weight = p[j]
            expected += weight * signed[j]
            mass += tap.inside ? weight : 0
            let (w0, w1) = (weight * (1 - tap.f), weight * tap.f)
            let (a, b) = (sourceRow + tap.i0 * c, sourceRow + tap.i1 * c)
            if c == 3 {
              red += w0 * a[0] + w1 * b[0]
              green += w0 * a[1] + w1 * b[1]
              blue += w0 * a[2] + w1 * b[2]
            } else {
              for channel in 0..<c { view[channel] += w0 * a[channel] + w1 * b[channel] }
            }
          }
          if c == 3 { (view[0], view[1], view[2]) = (red, green, blue) }
          // Σ P·o = σ·Σ P·(σ·o), σ² = 1.
          disparityBase[pixel] = baseBase[pixel] + direction * expected
          validityBase[pixel] = mass
        }
      }
    }
    return withExtendedLifetime((logits, baseDisparity, source)) {
      (probabilities, reconstruction, disparity, validity)
    }
  }

  /// The backward kernel: writes the logits' gradient into `logitsGradient` (`[N, H, W, K]`)
  /// and returns the source's gradient if asked for.
  func backwardKernel(
    probabilities: Tensor, baseDisparity: Tensor, source: Tensor, viewGradient: Tensor?,
    disparityGradient: Tensor?, needsSource: Bool, into logitsGradient: Tensor
  ) -> Tensor? {
    let (n, h, w, k) = probabilities.nhwc("OffsetSelection probabilities")
    let c = source.shape[3]
    let sourceGradient = needsSource ? Tensor.zeros(source.shape) : nil
    let pointers = UncheckedSendable(
      (
        probabilities.unsafePointer, baseDisparity.unsafePointer, source.unsafePointer,
        viewGradient?.unsafePointer, disparityGradient?.unsafePointer,
        logitsGradient.unsafeMutablePointer, sourceGradient?.unsafeMutablePointer
      ))
    let direction = Float(side.direction)
    let offsets = self.offsets
    Parallel.forEachRange(n * h, minimumChunk: 4) { rows in
      let (pBase, baseBase, sourceBase, gViewBase, gDisparityBase, gLogitsBase, gSourceBase) =
        pointers.value
      let signed = UnsafeMutablePointer<Float>.allocate(capacity: k)
      let a = UnsafeMutablePointer<Float>.allocate(capacity: k)
      defer {
        signed.deallocate()
        a.deallocate()
      }
      for j in 0..<k { signed[j] = direction * offsets[j] }
      for row in rows {
        let sourceRow = sourceBase + row * w * c
        let gSourceRow = gSourceBase.map { $0 + row * w * c }
        for x in 0..<w {
          let pixel = row * w + x
          let p = pBase + pixel * k
          let centre = Float(x) + direction * baseBase[pixel]
          // ∂disparity/∂P_k = o_k = σ·(σ·o_k).
          let gDisparity = direction * (gDisparityBase?[pixel] ?? 0)
          for j in 0..<k { a[j] = gDisparity * signed[j] }
          if let gViewBase {
            let g = gViewBase + pixel * c
            for j in 0..<k {
              let tap = InterpolationTap(position: centre + signed[j], width: w)
              let (s0, s1) = (sourceRow + tap.i0 * c, sourceRow + tap.i1 * c)
              var sum: Float = 0
              if c == 3 {
                sum =
                  g[0] * ((1 - tap.f) * s0[0] + tap.f * s1[0])
                  + g[1] * ((1 - tap.f) * s0[1] + tap.f * s1[1])
                  + g[2] * ((1 - tap.f) * s0[2] + tap.f * s1[2])
              } else {
                for channel in 0..<c {
                  sum += g[channel] * ((1 - tap.f) * s0[channel] + tap.f * s1[channel])
                }
              }
              a[j] += sum
              if let gSourceRow {
                let (w0, w1) = (p[j] * (1 - tap.f), p[j] * tap.f)
                let (t0, t1) = (gSourceRow + tap.i0 * c, gSourceRow + tap.i1 * c)
                for channel in 0..<c {
                  t0[channel] += w0 * g[channel]
                  t1[channel] += w1 * g[channel]
                }
              }
            }
          }
          let mean = VectorMath.dot(p, a, count: k)
          let gLogits = gLogitsBase + pixel * k
          for j in 0..<k { gLogits[j] = p[j] * (a[j] - mean) }
        }
      }
    }
    return withExtendedLifetime(
      (probabilities, baseDisparity, source, viewGradient, disparityGradient, logitsGradient)
    ) { sourceGradient }
  }
}
