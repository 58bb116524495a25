/// The fused correlation (cost volume) of two feature maps, forward and backward.
///
/// Both directions work one image row at a time: the row of the *target* map (the one that is
/// shifted) is laid out as `C` zero-padded planes, one per channel (reversed for the left view),
/// so that the `D` taps of pixel `x` are `plane_c[base(x) + k]` for k = 0..<D, contiguous. Then
///
///     forward:   out[x, k..<k+8]    = (1/C) Σ_c ref[x, c] · plane_c[base(x) + k..<k+8]
///     backward:  gRef[x, c]         = (1/C) Σ_k g[x, k] · plane_c[base(x) + k]
///                gPlane_c[base(x) + k] += (1/C) g[x, k] · ref[x, c]
///
/// are eight-lane multiply-adds with no gathers and no bounds tests: the padding is zeros, which
/// is exactly the rule that taps outside the image contribute 0. Rows are independent (the shift
/// is along x only), so threads take disjoint ranges of rows and never share an output.
extension Kernels {
  /// Index arithmetic for one row of the correlation.
  ///
  /// Plane index `j` holds target column `j − before` (right view) or `W − 1 − (j − before)`
  /// (left view); the taps of `x` start at `base(x) = x + d_0 + before` (right) or
  /// `W − 1 − x + d_0 + before` (left). `D` is rounded up to a multiple of eight lanes, and the
  /// padding covers every lane of every tap, so loads never leave the planes.
  struct CorrelationGeometry {
    let width: Int
    let channels: Int
    let minimumDisparity: Int
    let candidateCount: Int
    /// `D` rounded up to a multiple of 8.
    let laneCount: Int
    /// Whether the planes hold the row reversed (the left view: taps at `x − d`).
    let reversed: Bool
    let before: Int
    let after: Int

    init(width: Int, channels: Int, minimumDisparity: Int, candidateCount: Int, reversed: Bool) {
      self.width = width
      self.channels = channels
      self.minimumDisparity = minimumDisparity
      self.candidateCount = candidateCount
      self.laneCount = (candidateCount + 7) / 8 * 8
      self.reversed = reversed
      // The smallest base is d_0 + before ≥ 0; the largest lane is W − 1 + d_0 + before + lanes − 1.
      self.before = Swift.max(0, -minimumDisparity)
      self.after = Swift.max(0, minimumDisparity + laneCount - 1)
    }

    var planeLength: Int { before + width + after }

    @inline(__always)
    func base(_ x: Int) -> Int { (reversed ? width - 1 - x : x) + minimumDisparity + before }

    @inline(__always)
    func column(ofPlaneIndex j: Int) -> Int { reversed ? width - 1 - (j - before) : j - before }

    /// Writes the interior of the planes from one `[W, C]` row; the padding is left as it is.
    func fillPlanes(_ planes: UnsafeMutablePointer<Float>, from row: UnsafePointer<Float>) {
      let length = planeLength
      for j in before..<(before + width) {
        let source = row + column(ofPlaneIndex: j) * channels
        for channel in 0..<channels { planes[channel * length + j] = source[channel] }
      }
    }
  }

  /// `out[n, y, x, k] = (1/C) Σ_c reference[n, y, x, c] · target[n, y, x + σ·d_k, c]`, 0 where
  /// `x + σ·d_k` is outside the row; σ = −1 when `reversed` (the left view), +1 otherwise.
  ///
  /// - Parameters:
  ///   - reference: `[N, H, W, C]`, the view the volume is indexed by.
  ///   - target: `[N, H, W, C]`, the view that is shifted.
  /// - Returns: `[N, H, W, D]`.
  static func correlation(
    reference: Tensor, target: Tensor, minimumDisparity: Int, candidateCount: Int, reversed: Bool
  ) -> Tensor {
    let (n, h, w, c) = (reference.shape[0], reference.shape[1], reference.shape[2], reference.shape[3])
    let d = candidateCount
    let geometry = CorrelationGeometry(
      width: w, channels: c, minimumDisparity: minimumDisparity, candidateCount: d,
      reversed: reversed)
    let output = Tensor(uninitializedShape: [n, h, w, d])
    let pointers = UncheckedSendable(
      (reference.unsafePointer, target.unsafePointer, output.unsafeMutablePointer))
    let scale = 1 / Float(c)
    Parallel.forEachRange(n * h, minimumChunk: 1) { rows in
      let (referenceBase, targetBase, outputBase) = pointers.value
      let length = geometry.planeLength
      let planes = UnsafeMutablePointer<Float>.allocate(capacity: length * c)
      defer { planes.deallocate() }
      planes.initialize(repeating: 0, count: length * c)  // the padding stays zero
      for row in rows {
        geometry.fillPlanes(planes, from: targetBase + row * w * c)
        for x in 0..<w {
          let features = referenceBase + (row * w + x) * c
          let taps = planes + geometry.base(x)
          let out = outputBase + (row * w + x) * d
          var k = 0
          // Two vectors of candidates per pass over the channels, then one.
          while k + 16 <= geometry.laneCount {
            var (sum0, sum1) = (SIMD8<Float>(), SIMD8<Float>())
            var tap = UnsafePointer(taps + k)
            for channel in 0..<c {
              let f = SIMD8<Float>(repeating: features[channel])
              sum0 += f * VectorMath.load8(tap)
              sum1 += f * VectorMath.load8(tap + 8)
              tap += length
            }
            store(sum0 * scale, to: out, at: k, count: d)
            store(sum1 * scale, to: out, at: k + 8, count: d)
            k += 16
          }
          if k < geometry.laneCount {
            var sum = SIMD8<Float>()
            var tap = UnsafePointer(taps + k)
            for channel in 0..<c {
              sum += SIMD8<Float>(repeating: features[channel]) * VectorMath.load8(tap)
              tap += length
            }
            store(sum * scale, to: out, at: k, count: d)
          }
        }
      }
    }
    return withExtendedLifetime((reference, target)) { output }
  }

  /// Stores the lanes of `value` that fall below `count` at `pointer[offset...]`.
  @inline(__always)
  private static func store(
    _ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>, at offset: Int, count: Int
  ) {
    if offset + 8 <= count {
      VectorMath.store8(value, pointer + offset)
    } else {
      for lane in 0..<(count - offset) { pointer[offset + lane] = value[lane] }
    }
  }

  /// The gradients of ``correlation(reference:target:minimumDisparity:candidateCount:reversed:)``
  /// for an output gradient `gradient`, `[N, H, W, D]`:
  ///
  ///     gReference[x, c] = (1/C) Σ_k g[x, k] · target[x + σ·d_k, c]
  ///     gTarget[x', c]   = (1/C) Σ_{k, x + σ·d_k = x'} g[x, k] · reference[x, c]
  ///
  /// - Returns: The gradients asked for (`nil` for the others), each of its input's shape.
  static func correlationBackward(
    _ gradient: Tensor, reference: Tensor, target: Tensor, minimumDisparity: Int,
    reversed: Bool, needsReference: Bool, needsTarget: Bool
  ) -> (reference: Tensor?, target: Tensor?) {
    guard needsReference || needsTarget else { return (nil, nil) }
    let (n, h, w, c) = (reference.shape[0], reference.shape[1], reference.shape[2], reference.shape[3])
    let d = gradient.shape[3]
    let geometry = CorrelationGeometry(
      width: w, channels: c, minimumDisparity: minimumDisparity, candidateCount: d,
      reversed: reversed)
    let referenceGradient = needsReference ? Tensor(uninitializedShape: reference.shape) : nil
    let targetGradient = needsTarget ? Tensor(uninitializedShape: target.shape) : nil
    let pointers = UncheckedSendable((
      reference.unsafePointer, target.unsafePointer, gradient.unsafePointer,
      referenceGradient?.unsafeMutablePointer, targetGradient?.unsafeMutablePointer))
    let scale = 1 / Float(c)
    Parallel.forEachRange(n * h, minimumChunk: 1) { rows in
      let (referenceBase, targetBase, gradientBase, gReferenceBase, gTargetBase) = pointers.value
      let length = geometry.planeLength
      let lanes = geometry.laneCount
      let planes = UnsafeMutablePointer<Float>.allocate(capacity: length * c)
      let planeGradients = UnsafeMutablePointer<Float>.allocate(capacity: length * c)
      // g[x, ·]/C, zero past D so the padding lanes add nothing.
      let scaled = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
      defer {
        planes.deallocate()
        planeGradients.deallocate()
        scaled.deallocate()
      }
      planes.initialize(repeating: 0, count: length * c)
      scaled.initialize(repeating: 0, count: lanes)
      for row in rows {
        if gReferenceBase != nil { geometry.fillPlanes(planes, from: targetBase + row * w * c) }
        if gTargetBase != nil { planeGradients.update(repeating: 0, count: length * c) }
        for x in 0..<w {
          let pixel = row * w + x
          let g = gradientBase + pixel * d
          for k in 0..<d { scaled[k] = g[k] * scale }
          let offset = geometry.base(x)
          if let gReferenceBase {
            let out = gReferenceBase + pixel * c
            for channel in 0..<c {
              let tap = UnsafePointer(planes + channel * length + offset)
              var sum = SIMD8<Float>()
              var k = 0
              while k < lanes {
                sum += VectorMath.load8(scaled + k) * VectorMath.load8(tap + k)
                k += 8
              }
              out[channel] = sum.sum()
            }
          }
          if gTargetBase != nil {
            let features = referenceBase + pixel * c
            for channel in 0..<c {
              let tap = planeGradients + channel * length + offset
              let f = SIMD8<Float>(repeating: features[channel])
              var k = 0
              while k < lanes {
                let updated = VectorMath.load8(tap + k) + VectorMath.load8(scaled + k) * f
                VectorMath.store8(updated, tap + k)
                k += 8
              }
            }
          }
        }
        if let gTargetBase {
          // Every target column appears once in the planes' interior; the padding's
          // gradients belong to no input (those taps read zeros).
          let out = gTargetBase + row * w * c
          for j in geometry.before..<(geometry.before + w) {
            let destination = out + geometry.column(ofPlaneIndex: j) * c
            for channel in 0..<c { destination[channel] = planeGradients[channel * length + j] }
          }
        }
      }
    }
    return withExtendedLifetime((reference, target, gradient)) { (referenceGradient, targetGradient) }
  }
}
