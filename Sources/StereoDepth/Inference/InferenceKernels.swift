import StereoTensor

/// Hand-written kernels of the inference path.
enum InferenceKernels {
  /// Bilinear ×2 up-sampling (half-pixel centres, edges clamped) of `x` and concatenation with
  /// `skip` along channels, in one pass:
  /// `[N, h, w, Cx]`, `[N, 2h, 2w, Cs]` → `[N, 2h, 2w, Cx + Cs]`.
  ///
  /// For ×2 the source coordinate of output `o` is `o/2 − 1/4`: even outputs take ¾ of the pixel
  /// below and ¼ of the one before it, odd outputs ¾ and ¼ of the one after.
  static func upsampleConcatenate(_ x: Tensor, _ skip: Tensor) -> Tensor {
    let (n, h, w, cx) = x.nhwc("upsampleConcatenate")
    let (sn, sh, sw, cs) = skip.nhwc("upsampleConcatenate skip")
    precondition(sn == n && sh == 2 * h && sw == 2 * w, "Skip \(skip.shape) does not match the up-sampled \(x.shape)")
    let (oh, ow, c) = (2 * h, 2 * w, cx + cs)
    let output = Tensor(uninitializedShape: [n, oh, ow, c])
    let pointers = UncheckedSendable((x.unsafePointer, skip.unsafePointer, output.unsafeMutablePointer))
    Parallel.forEachRange(n * oh, minimumChunk: 8) { rows in
      let (source, skipBase, destination) = pointers.value
      for row in rows {
        let (b, oy) = (row / oh, row % oh)
        let iy = oy / 2
        let (y0, y1, wy0, wy1): (Int, Int, Float, Float) =
          oy % 2 == 0 ? (Swift.max(iy - 1, 0), iy, 0.25, 0.75) : (iy, Swift.min(iy + 1, h - 1), 0.75, 0.25)
        let top = source + (b * h + y0) * w * cx, bottom = source + (b * h + y1) * w * cx
        for ox in 0..<ow {
          let ix = ox / 2
          let (x0, x1, wx0, wx1): (Int, Int, Float, Float) =
            ox % 2 == 0 ? (Swift.max(ix - 1, 0), ix, 0.25, 0.75) : (ix, Swift.min(ix + 1, w - 1), 0.75, 0.25)
          let out = destination + (row * ow + ox) * c
          let (a, bb, cc, d) = (top + x0 * cx, top + x1 * cx, bottom + x0 * cx, bottom + x1 * cx)
          let (w00, w01, w10, w11) = (wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1)
          for k in 0..<cx { out[k] = w00 * a[k] + w01 * bb[k] + w10 * cc[k] + w11 * d[k] }
          (out + cx).update(from: skipBase + (row * ow + ox) * cs, count: cs)
        }
      }
    }
    return withExtendedLifetime((x, skip)) { output }
  }

  /// Softmax over the last axis of `logits` `[N, H, W, D]` fused with the expected disparity and
  /// two confidences, without storing the distribution:
  ///
  ///     e_k = exp(x_k − max x),  S = Σ e_k
  ///     disparity = d₀ + Σ k·e_k / S        peak = max_k P_k = 1/S
  ///     confidence = 1 − H/ln D,  H = −Σ P_k ln P_k = ln S − Σ e_k·(x_k − max x)/S
  ///
  /// - Returns: three `[N, H, W, 1]` maps.
  static func expectedDisparity(_ logits: Tensor, minimumDisparity: Int) -> (disparity: Tensor, peak: Tensor, confidence: Tensor) {
    let (n, h, w, d) = logits.nhwc("expectedDisparity")
    let disparity = Tensor(uninitializedShape: [n, h, w, 1])
    let peak = Tensor(uninitializedShape: [n, h, w, 1])
    let confidence = Tensor(uninitializedShape: [n, h, w, 1])
    let inverseLogD = 1 / Float(_log(Double(d)))
    let pointers = UncheckedSendable((logits.unsafePointer, disparity.unsafeMutablePointer, peak.unsafeMutablePointer, confidence.unsafeMutablePointer))
    Parallel.forEachRange(n * h * w, minimumChunk: 2048) { pixels in
      let (x, disparities, peaks, confidences) = pointers.value
      // Candidate indices 0, 1, 2, … as vectors, and the tail of D that does not fill a vector.
      let vectorEnd = d / 8 * 8
      for pixel in pixels {
        let row = x + pixel * d
        var peaksVector = SIMD8<Float>(repeating: -.greatestFiniteMagnitude)
        var j = 0
        while j < vectorEnd {
          peaksVector = VectorMath.simdMax(peaksVector, VectorMath.load8(row + j))
          j += 8
        }
        var peakLogit = peaksVector.max()
        while j < d {
          peakLogit = Swift.max(peakLogit, row[j])
          j += 1
        }
        let shift = SIMD8<Float>(repeating: peakLogit)
        var sums = SIMD8<Float>(), weighted = SIMD8<Float>(), entropyTerms = SIMD8<Float>()
        var index = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        j = 0
        while j < vectorEnd {
          let shifted = VectorMath.load8(row + j) - shift
          let e = VectorMath.exp(shifted)
          sums += e
          weighted += e * index
          entropyTerms += e * shifted
          index += 8
          j += 8
        }
        var sum = sums.sum(), weightedSum = weighted.sum(), entropySum = entropyTerms.sum()
        while j < d {
          let shifted = row[j] - peakLogit
          let e = VectorMath.exp(shifted)
          sum += e
          weightedSum += e * Float(j)
          entropySum += e * shifted
          j += 1
        }
        let inverse = 1 / sum
        disparities[pixel] = Float(minimumDisparity) + weightedSum * inverse
        peaks[pixel] = inverse
        confidences[pixel] = 1 - (VectorMath.log(sum) - entropySum * inverse) * inverseLogD
      }
    }
    return withExtendedLifetime(logits) { (disparity, peak, confidence) }
  }
}

import Foundation

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
