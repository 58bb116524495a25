internal import CStereoKernels
import Foundation
import StereoData
import StereoTensor

/// Per-pixel confidence from a distribution over candidate disparities.
///
/// The selection layer gives each pixel probabilities `p₁ … p_D` over `D` candidate disparities.
/// Two summaries of how sure it is, both in [0, 1], higher is more confident:
///
///     peak probability        c = maxₖ pₖ                          (1/D … 1)
///     entropy confidence      c = 1 − H / log D,  H = −Σₖ pₖ log pₖ  (0 = uniform, 1 = one-hot)
///
/// with `0 · log 0 = 0`. The weights are normalised by their sum first, so non-negative
/// unnormalised
/// weights work too. A pixel whose weights are negative, non-finite, or sum to zero gets NaN
/// (unknown). For `D = 1` the entropy confidence is 1.
///
/// Shapes: `P [H, W, D]` (an ``Image`` with `D` channels) → `[H, W, 1]`.
public enum DisparityConfidence {
  /// The expected disparity of scores over the candidates `minimumDisparity + k`, plus a base:
  ///
  ///     d(x) = base(x) + Σ_k softmax(logits(x))_k · (minimumDisparity + k)
  ///
  /// The disparity of ``summarize(logits:minimumDisparity:)``, a constant (no gradient).
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, K]`.
  ///   - minimumDisparity: The first candidate.
  ///   - base: `[N, H, W, 1]`, or `nil` for 0.
  /// - Returns: `[N, H, W, 1]`.
  public static func expectedDisparity(logits: Tensor, minimumDisparity: Int, base: Tensor?)
    -> Tensor
  {
    withoutGradients {
      summaryKernel(
        logits: logits.detached, minimumDisparity: minimumDisparity, base: base?.detached,
        confidences: false
      ).disparity
    }
  }

  /// The one confidence computation: softmax over the last axis of `logits` `[N, H, W, D]` fused
  /// with the expected disparity and the two confidences, without storing the distribution:
  ///
  ///     e_k = exp(x_k − max x),  S = Σ e_k
  ///     disparity = d₀ + Σ k·e_k / S  (+ base)    peak = max_k P_k = 1/S
  ///     confidence = 1 − H/ln D,  H = −Σ P_k ln P_k = ln S − Σ e_k·(x_k − max x)/S
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, D]`.
  ///   - minimumDisparity: `d₀`, the first candidate.
  ///   - base: `[N, H, W, 1]` added to the disparity (offsets around a base), or `nil`.
  /// - Returns: three `[N, H, W, 1]` maps.
  public static func summarize(logits: Tensor, minimumDisparity: Int, base: Tensor? = nil) -> (
    disparity: Tensor, peak: Tensor, confidence: Tensor
  ) {
    let summary = summaryKernel(
      logits: logits, minimumDisparity: minimumDisparity, base: base, confidences: true)
    return (summary.disparity, summary.peak!, summary.confidence!)
  }

  /// ``summarize(logits:minimumDisparity:base:)`` without the entropy.
  ///
  /// The expected disparity and the peak probability `1/S`, the same bits, for callers that
  /// never read the entropy confidence (the marked map, whose confidence is the rule's: its
  /// `log S` per pixel was about 1% of that map's time).
  ///
  /// - Parameters: As ``summarize(logits:minimumDisparity:base:)``.
  /// - Returns: two `[N, H, W, 1]` maps.
  public static func disparityAndPeak(logits: Tensor, minimumDisparity: Int, base: Tensor? = nil)
    -> (disparity: Tensor, peak: Tensor)
  {
    let summary = summaryKernel(
      logits: logits, minimumDisparity: minimumDisparity, base: base, confidences: true,
      entropy: false)
    return (summary.disparity, summary.peak!)
  }

  /// ``disparityAndPeak(logits:minimumDisparity:base:)`` of the scores a head (a 3×3
  /// convolution of `headInput` with at most eight outputs, no ReLU) would give, the scores
  /// never stored: the head and the summary in one kernel
  /// (``StereoTensor/Tensor/narrowConvolution3x3Expectation(_:filter:bias:base:first:expConstants:lanes:bfloat16:amx:)``),
  /// the same bits as the head's stored scores summarized here (the left head and its summary
  /// 2.2 ms against 1.8 + 1.3 in the 640×480 marked map's profile with AVX2).
  ///
  /// - Parameters:
  ///   - headInput: `[N, H, W, C]`.
  ///   - filter: `[D, 3, 3, C]`, `D ≤ 8`.
  ///   - bias: `[D]` or `nil`.
  ///   - minimumDisparity: The first candidate (an offset around `base`).
  ///   - base: `[N, H, W, 1]`, or `nil`.
  /// - Returns: `[N, H, W, 1]` each: the expected disparity and the peak probability.
  /// - Precondition: ``StereoTensor/Tensor/narrowConvolutionAvailable``.
  public static func disparityAndPeak(
    headInput: Tensor, filter: Tensor, bias: Tensor?, minimumDisparity: Int, base: Tensor? = nil
  ) -> (disparity: Tensor, peak: Tensor) {
    Tensor.narrowConvolution3x3Expectation(
      headInput, filter: filter, bias: bias, base: base, first: Float(minimumDisparity),
      expConstants: VectorKernels.expConstants)
  }

  /// ``summarize(logits:minimumDisparity:base:)``'s kernel; the confidences only when asked (the
  /// entropy only with `entropy` too).
  ///
  /// Per pixel the candidates are summed in order `k = 0, 1, …`, so every path gives the same
  /// bits: `D ≥ 8` runs eight candidates per vector (then a scalar tail); `D < 8` (the five
  /// offsets of a refinement scale) runs eight *pixels* per vector, one candidate at a time,
  /// since a pixel's few candidates would leave the lanes empty; with `vectorized`, those eight
  /// pixels run in C (`wnet_softmax_summary8`, ``VectorKernels``), the same operations.
  static func summaryKernel(
    logits: Tensor, minimumDisparity: Int, base: Tensor?, confidences: Bool, entropy: Bool = true,
    vectorized: Bool = VectorKernels.available
  ) -> (disparity: Tensor, peak: Tensor?, confidence: Tensor?) {
    let (n, h, w, d) = logits.nhwc("DisparityConfidence.summarize")
    if let base {
      precondition(
        base.shape == [n, h, w, 1],
        "DisparityConfidence: base \(base.shape) must be [N, H, W, 1] for logits \(logits.shape)")
    }
    let disparity = Tensor(uninitializedShape: [n, h, w, 1])
    let peak = confidences ? Tensor(uninitializedShape: [n, h, w, 1]) : nil
    let confidence = confidences && entropy ? Tensor(uninitializedShape: [n, h, w, 1]) : nil
    let logD = Foundation.log(Float(d))
    let pointers = UncheckedSendable(
      (
        logits.unsafePointer, base?.unsafePointer, disparity.unsafeMutablePointer,
        peak?.unsafeMutablePointer, confidence?.unsafeMutablePointer
      ))
    let first = Float(minimumDisparity)
    Parallel.forEachRange(n * h * w, minimumChunk: 2048) { pixels in
      let (x, bases, disparities, peaks, confidences) = pointers.value
      /// Writes one pixel's outputs from its sums.
      @inline(__always)
      func finish(_ pixel: Int, sum: Float, weightedSum: Float, entropySum: Float) {
        let inverse = 1 / sum
        let expected = first + weightedSum * inverse
        disparities[pixel] = bases.map { expected + $0[pixel] } ?? expected
        peaks?[pixel] = inverse
        confidences?[pixel] =
          d > 1 ? 1 - (Foundation.log(sum) - entropySum * inverse) / logD : 1
      }
      var pixel = pixels.lowerBound
      if d < 8 && vectorized {
        let start = pixel
        pixel += VectorKernels.expConstants.withUnsafeBufferPointer { constants in
          wnet_softmax_summary8(
            x + start * d, Int32(d), pixels.count, bases.map { $0 + start }, first, logD,
            constants.baseAddress, disparities + start, peaks.map { $0 + start },
            confidences.map { $0 + start })
        }
      }
      if d < 8 {
        // Eight pixels per vector: lane l is pixel `pixel + l`.
        let lanes = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: Swift.max(d, 1))
        defer { lanes.deallocate() }
        while pixel + 8 <= pixels.upperBound {
          let block = x + pixel * d
          for j in 0..<d {
            var v = SIMD8<Float>()
            for lane in 0..<8 { v[lane] = block[lane * d + j] }
            lanes[j] = v
          }
          var peakLogit = SIMD8<Float>(repeating: -.greatestFiniteMagnitude)
          for j in 0..<d {
            peakLogit = peakLogit.replacing(with: lanes[j], where: lanes[j] .> peakLogit)
          }
          var sum = SIMD8<Float>(), weighted = SIMD8<Float>(), entropyTerms = SIMD8<Float>()
          for j in 0..<d {
            let shifted = lanes[j] - peakLogit
            let e = VectorMath.expOfNonPositive(shifted)
            sum += e
            weighted += e * Float(j)
            entropyTerms += e * shifted
          }
          for lane in 0..<8 {
            finish(
              pixel + lane, sum: sum[lane], weightedSum: weighted[lane],
              entropySum: entropyTerms[lane])
          }
          pixel += 8
        }
      }
      // Candidate indices 0, 1, 2, … as vectors, and the tail of D that does not fill a vector.
      let vectorEnd = d / 8 * 8
      while pixel < pixels.upperBound {
        let row = x + pixel * d
        let peakLogit = VectorMath.maximum(row, count: d)
        let shift = SIMD8<Float>(repeating: peakLogit)
        var sums = SIMD8<Float>(), weighted = SIMD8<Float>(), entropyTerms = SIMD8<Float>()
        var index = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        var j = 0
        while j < vectorEnd {
          let shifted = VectorMath.load8(row + j) - shift
          let e = VectorMath.expOfNonPositive(shifted)
          sums += e
          weighted += e * index
          entropyTerms += e * shifted
          index += 8
          j += 8
        }
        var sum = sums.sum(), weightedSum = weighted.sum(), entropySum = entropyTerms.sum()
        while j < d {
          let shifted = row[j] - peakLogit
          let e = VectorMath.expOfNonPositive(shifted)
          sum += e
          weightedSum += e * Float(j)
          entropySum += e * shifted
          j += 1
        }
        finish(pixel, sum: sum, weightedSum: weightedSum, entropySum: entropySum)
        pixel += 1
      }
    }
    return withExtendedLifetime((logits, base)) { (disparity, peak, confidence) }
  }

  /// The largest probability of each pixel.
  ///
  /// - Parameter distribution: `P [H, W, D]`.
  /// - Returns: `[H, W, 1]` in [1/D, 1], NaN where `P` is not a distribution.
  public static func peakProbability(_ distribution: Image) -> Image {
    summaries(distribution).peak
  }

  /// One minus the normalised entropy of each pixel, `1 − H / log D`.
  ///
  /// - Parameter distribution: `P [H, W, D]`.
  /// - Returns: `[H, W, 1]` in [0, 1], NaN where `P` is not a distribution.
  public static func entropyConfidence(_ distribution: Image) -> Image {
    summaries(distribution).confidence
  }

  /// ``peakProbability(_:)`` of batch element `batchIndex` of a `[N, H, W, D]` tensor.
  public static func peakProbability(_ distribution: Tensor, batchIndex: Int = 0) -> Image {
    peakProbability(Image(distribution, batchIndex: batchIndex))
  }

  /// ``entropyConfidence(_:)`` of batch element `batchIndex` of a `[N, H, W, D]` tensor.
  public static func entropyConfidence(_ distribution: Tensor, batchIndex: Int = 0) -> Image {
    entropyConfidence(Image(distribution, batchIndex: batchIndex))
  }

  /// ``summarize(logits:minimumDisparity:)`` of the weights read as logits `log pₖ` (a zero
  /// weight as a logit far below the others, so that `0 · log 0 = 0`); NaN for pixels whose
  /// weights are negative, non-finite, or sum to zero.
  private static func summaries(_ distribution: Image) -> (peak: Image, confidence: Image) {
    let count = distribution.channels
    let pixels = distribution.width * distribution.height
    var logits = [Float](repeating: 0, count: pixels * count)
    var valid = [Bool](repeating: true, count: pixels)
    for pixel in 0..<pixels {
      let weights = distribution.pixels[(pixel * count)..<((pixel + 1) * count)]
      let total = weights.reduce(0, +)
      valid[pixel] = total > 0 && total.isFinite && weights.allSatisfy { $0 >= 0 }
      for (k, weight) in weights.enumerated() {
        logits[pixel * count + k] = weight > 0 ? Float(Foundation.log(Double(weight))) : -1e30
      }
    }
    let shape = [1, distribution.height, distribution.width]
    let (_, peak, confidence) = summarize(
      logits: Tensor(shape: shape + [count], scalars: logits), minimumDisparity: 0)
    func masked(_ map: Tensor) -> Image {
      var image = Image(map, batchIndex: 0)
      for pixel in 0..<pixels where !valid[pixel] { image.pixels[pixel] = .nan }
      return image
    }
    return (masked(peak), masked(confidence))
  }
}
