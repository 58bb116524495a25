import StereoTensor

/// Hand-written kernels of the inference path.
enum InferenceKernels {
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
        let peakLogit = VectorMath.maximum(row, count: d)
        let shift = SIMD8<Float>(repeating: peakLogit)
        var sums = SIMD8<Float>(), weighted = SIMD8<Float>(), entropyTerms = SIMD8<Float>()
        var index = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        var j = 0
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
