internal import CStereoKernels

/// The fused correlation (cost volume) of two feature maps, forward and backward.
///
/// Both directions work one image row at a time (the shift is along x only), so threads take
/// disjoint ranges of rows and never share an output. Each lays the row of the *target* map
/// (the one that is shifted) out with zero padding around it, which is exactly the rule that
/// taps outside the image contribute 0, so the inner loops have no gathers and no bounds tests:
///
/// - forward: as `C` planes, one per channel (reversed for the left view), so that the `D` taps
///   of pixel `x` are `plane_c[base(x) + k]`, contiguous, and eight scores are one multiply-add:
///   `out[x, k..<k+8] = (1/C) Σ_c ref[x, c] · plane_c[base(x) + k..<k+8]`;
/// - backward: pixel-major with the channels padded to eight lanes, so that eight channels of a
///   tap are one vector: `gRef[x, c..<c+8] = (1/C) Σ_k g[x, k] · target[x + σ·d_k, c..<c+8]`,
///   `gTarget[x + σ·d_k, c..<c+8] += (1/C) g[x, k] · ref[x, c..<c+8]`, with no horizontal sums.
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
      // The smallest base is d_0 + before ≥ 0; the largest lane read is
      // W − 1 + d_0 + before + lanes − 1.
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

  /// Whether this CPU runs StereoTensor's AVX2 + FMA C kernels (`wnet_correlation_row`,
  /// `wnet_upsample2x_scaled_row`).
  static let vectorKernelsAvailable = wnet_narrow_conv3x3_available() != 0

  /// `out[n, y, x, k] = (1/C) Σ_c reference[n, y, x, c] · target[n, y, x + σ·d_k, c]`, 0 where
  /// `x + σ·d_k` is outside the row; σ = −1 when `reversed` (the left view), +1 otherwise.
  ///
  /// - Parameters:
  ///   - reference: `[N, H, W, C]`, the view the volume is indexed by.
  ///   - target: `[N, H, W, C]`, the view that is shifted.
  ///   - minimumDisparity: `d_0`.
  ///   - candidateCount: `D`.
  ///   - reversed: Whether taps are at `x − d_k` (the left view) rather than `x + d_k`.
  ///   - vectorized: Through `wnet_correlation_row` (AVX2, four pixels at a time: the same
  ///     operations per score, so the same bits), or in Swift alone.
  /// - Returns: `[N, H, W, D]`.
  static func correlation(
    reference: Tensor, target: Tensor, minimumDisparity: Int, candidateCount: Int, reversed: Bool,
    vectorized: Bool = vectorKernelsAvailable
  ) -> Tensor {
    let (n, h, w, c) = (
      reference.shape[0], reference.shape[1], reference.shape[2], reference.shape[3]
    )
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
        if vectorized {
          wnet_correlation_row(
            planes, length, referenceBase + row * w * c, Int32(w), Int32(c), Int32(d),
            reversed ? 1 : 0, geometry.minimumDisparity + geometry.before, scale,
            outputBase + row * w * d)
          continue
        }
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
              sum0 += f * load8(tap)
              sum1 += f * load8(tap + 8)
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
              sum += SIMD8<Float>(repeating: features[channel]) * load8(tap)
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
      store8(value, pointer + offset)
    } else {
      for lane in 0..<(count - offset) { pointer[offset + lane] = value[lane] }
    }
  }

  /// Backward's row layout: the target row (and its gradient) pixel-major.
  ///
  /// Rows are `[B + W + A, C']`,
  /// with `C'` the channels rounded up to eight lanes and `B`, `A` zero columns covering every
  /// tap, so that tap `k` of pixel `x` is padded column `x + t_0 + σ·k + B` (`t_0 = σ·d_0`).
  /// Eight channels of a tap are one vector: the reference's gradient accumulates over `k` in
  /// lanes, with no horizontal sums, and the target's gradient is one vector update per tap.
  struct CorrelationBackwardGeometry {
    let width: Int
    let channels: Int
    /// `C` rounded up to a multiple of 8.
    let paddedChannels: Int
    /// `t_0 = σ·d_0`, the shift of candidate 0.
    let firstShift: Int
    /// σ: the step of the shift from one candidate to the next.
    let step: Int
    let before: Int
    let after: Int

    init(width: Int, channels: Int, minimumDisparity: Int, candidateCount: Int, reversed: Bool) {
      self.width = width
      self.channels = channels
      self.paddedChannels = (channels + 7) / 8 * 8
      self.step = reversed ? -1 : 1
      self.firstShift = step * minimumDisparity
      let lastShift = firstShift + step * (candidateCount - 1)
      self.before = Swift.max(0, -Swift.min(firstShift, lastShift))
      self.after = Swift.max(0, Swift.max(firstShift, lastShift))
    }

    var rowLength: Int { before + width + after }

    /// Copies one `[W, C]` row into the interior of a `[·, C']` buffer starting at column `first`.
    func spread(_ row: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>, first: Int) {
      for x in 0..<width {
        (buffer + (first + x) * paddedChannels).update(from: row + x * channels, count: channels)
      }
    }
  }

  /// The gradients of the correlation in both feature maps.
  ///
  /// For ``correlation(reference:target:minimumDisparity:candidateCount:reversed:)`` and an
  /// output gradient `g`, `[N, H, W, D]`:
  ///
  ///     gReference[x, c] = (1/C) Σ_k g[x, k] · target[x + σ·d_k, c]
  ///     gTarget[x', c]   = (1/C) Σ_{k, x + σ·d_k = x'} g[x, k] · reference[x, c]
  ///
  /// Per row, in the layout of ``CorrelationBackwardGeometry``; taps that fall in the zero
  /// padding add nothing to the reference's gradient, and their target gradient is dropped.
  ///
  /// - Parameters:
  ///   - gradient: `[N, H, W, D]`, the gradient of the volume.
  ///   - reference: `[N, H, W, C]`, the view the volume is indexed by.
  ///   - target: `[N, H, W, C]`, the view that is shifted.
  ///   - minimumDisparity: `d_0`.
  ///   - reversed: Whether taps are at `x − d_k` (the left view) rather than `x + d_k`.
  ///   - needsReference: Whether to compute the reference's gradient.
  ///   - needsTarget: Whether to compute the target's gradient.
  /// - Returns: The gradients asked for (`nil` for the others), each of its input's shape.
  static func correlationBackward(
    _ gradient: Tensor, reference: Tensor, target: Tensor, minimumDisparity: Int,
    reversed: Bool, needsReference: Bool, needsTarget: Bool
  ) -> (reference: Tensor?, target: Tensor?) {
    guard needsReference || needsTarget else { return (nil, nil) }
    let (n, h, w, c) = (
      reference.shape[0], reference.shape[1], reference.shape[2], reference.shape[3]
    )
    let d = gradient.shape[3]
    let geometry = CorrelationBackwardGeometry(
      width: w, channels: c, minimumDisparity: minimumDisparity, candidateCount: d,
      reversed: reversed)
    let referenceGradient = needsReference ? Tensor(uninitializedShape: reference.shape) : nil
    let targetGradient = needsTarget ? Tensor(uninitializedShape: target.shape) : nil
    let pointers = UncheckedSendable(
      (
        reference.unsafePointer, target.unsafePointer, gradient.unsafePointer,
        referenceGradient?.unsafeMutablePointer, targetGradient?.unsafeMutablePointer
      ))
    let scale = 1 / Float(c)
    Parallel.forEachRange(n * h, minimumChunk: 1) { rows in
      let (referenceBase, targetBase, gradientBase, gReferenceBase, gTargetBase) = pointers.value
      let (cp, length, step) = (geometry.paddedChannels, geometry.rowLength, geometry.step)
      let targetRow = UnsafeMutablePointer<Float>.allocate(capacity: length * cp)
      let targetGradientRow = UnsafeMutablePointer<Float>.allocate(capacity: length * cp)
      let referenceRow = UnsafeMutablePointer<Float>.allocate(capacity: w * cp)
      let scaled = UnsafeMutablePointer<Float>.allocate(capacity: d)  // g[x, ·]/C
      let sums = UnsafeMutablePointer<Float>.allocate(capacity: cp)
      defer {
        for buffer in [targetRow, targetGradientRow, referenceRow, scaled, sums] {
          buffer.deallocate()
        }
      }
      // The padding columns and lanes stay zero; the interiors are overwritten per row.
      targetRow.initialize(repeating: 0, count: length * cp)
      referenceRow.initialize(repeating: 0, count: w * cp)
      for row in rows {
        if gReferenceBase != nil {
          geometry.spread(targetBase + row * w * c, into: targetRow, first: geometry.before)
        }
        if gTargetBase != nil {
          geometry.spread(referenceBase + row * w * c, into: referenceRow, first: 0)
          targetGradientRow.update(repeating: 0, count: length * cp)
        }
        for x in 0..<w {
          let pixel = row * w + x
          let g = gradientBase + pixel * d
          for k in 0..<d { scaled[k] = g[k] * scale }
          let first = (x + geometry.firstShift + geometry.before) * cp
          var lane = 0
          while lane < cp {
            let features = load8(referenceRow + x * cp + lane)
            var sum = SIMD8<Float>()
            var offset = first + lane
            if gReferenceBase != nil && gTargetBase != nil {
              for k in 0..<d {
                let weight = SIMD8<Float>(repeating: scaled[k])
                sum += weight * load8(targetRow + offset)
                store8(
                  load8(targetGradientRow + offset) + weight * features, targetGradientRow + offset)
                offset += step * cp
              }
            } else if gReferenceBase != nil {
              for k in 0..<d {
                sum += SIMD8<Float>(repeating: scaled[k]) * load8(targetRow + offset)
                offset += step * cp
              }
            } else {
              for k in 0..<d {
                let weight = SIMD8<Float>(repeating: scaled[k])
                store8(
                  load8(targetGradientRow + offset) + weight * features, targetGradientRow + offset)
                offset += step * cp
              }
            }
            store8(sum, sums + lane)
            lane += 8
          }
          if let gReferenceBase { (gReferenceBase + pixel * c).update(from: sums, count: c) }
        }
        if let gTargetBase {
          let out = gTargetBase + row * w * c
          for x in 0..<w {
            (out + x * c).update(from: targetGradientRow + (geometry.before + x) * cp, count: c)
          }
        }
      }
    }
    return withExtendedLifetime((reference, target, gradient)) {
      (referenceGradient, targetGradient)
    }
  }
}

// File-private copies of `VectorMath.load8`/`store8`: debug builds compile file by file and do
// not inline another file's functions, and a called load costs the kernel 5-10x.
@inline(__always)
private func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
