internal import CStereoKernels
import Foundation
import StereoTensor

extension DisparityConfidence {
  /// The expected disparity over the most likely candidate and its neighbours only, a constant
  /// (no gradient):
  ///
  ///     k* = argmax_k x_k (the first on ties),  W = {k : |k − k*| ≤ radius} ∩ [0, K)
  ///     d(x) = base(x) + Σ_{k∈W} e_k · (minimumDisparity + k) / Σ_{k∈W} e_k,
  ///     e_k = exp(x_k − x_{k*})
  ///
  /// Where the distribution has two peaks (an object edge, a repetitive texture), the plain
  /// expectation lands between them; this one stays on the higher peak. One pass per pixel, the
  /// pixels split between threads; with `vectorized` and at most eight candidates (the offsets
  /// of a refinement scale), eight pixels per vector in C (`wnet_local_expected8`,
  /// ``VectorKernels``): the same operations, so the same bits.
  ///
  /// - Parameters:
  ///   - logits: `[N, H, W, K]`.
  ///   - minimumDisparity: The first candidate.
  ///   - radius: How many neighbours on each side of `k*` count (0: the argmax itself).
  ///   - base: `[N, H, W, 1]` added to the disparity (offsets around a base), or `nil`.
  /// - Returns: `[N, H, W, 1]`.
  public static func localExpectedDisparity(
    logits: Tensor, minimumDisparity: Int, radius: Int, base: Tensor? = nil
  ) -> Tensor {
    localExpectedDisparity(
      logits: logits, minimumDisparity: minimumDisparity, radius: radius, base: base,
      vectorized: VectorKernels.available)
  }

  /// ``localExpectedDisparity(logits:minimumDisparity:radius:base:)`` of the scores a head (a 3×3
  /// convolution of `headInput` with at most eight outputs, no ReLU) would give, the scores never
  /// stored: the head and the expectation in one kernel
  /// (``StereoTensor/Tensor/narrowConvolution3x3LocalExpectation(_:filter:bias:base:first:radius:expConstants:lanes:bfloat16:amx:)``),
  /// the same bits as the head's stored scores' local expectation.
  ///
  /// - Parameters:
  ///   - headInput: `[N, H, W, C]`.
  ///   - filter: `[K, 3, 3, C]`, `K ≤ 8`.
  ///   - bias: `[K]` or `nil`.
  ///   - minimumDisparity: The first candidate.
  ///   - radius: The window's half width, `≥ 0`.
  ///   - base: `[N, H, W, 1]`, or `nil`.
  /// - Returns: `[N, H, W, 1]`.
  /// - Precondition: ``StereoTensor/Tensor/narrowConvolutionAvailable``.
  public static func localExpectedDisparity(
    headInput: Tensor, filter: Tensor, bias: Tensor?, minimumDisparity: Int, radius: Int,
    base: Tensor? = nil
  ) -> Tensor {
    Tensor.narrowConvolution3x3LocalExpectation(
      headInput, filter: filter, bias: bias, base: base, first: Float(minimumDisparity),
      radius: radius, expConstants: VectorKernels.expConstants)
  }

  /// ``localExpectedDisparity(logits:minimumDisparity:radius:base:)`` through its C kernel
  /// (`vectorized`, where `K ≤ 8`) or in Swift alone.
  package static func localExpectedDisparity(
    logits: Tensor, minimumDisparity: Int, radius: Int, base: Tensor?, vectorized: Bool
  ) -> Tensor {
    precondition(radius >= 0, "DisparityConfidence: a negative window radius \(radius)")
    let (n, h, w, k) = logits.nhwc("DisparityConfidence.localExpectedDisparity")
    precondition(
      base.map { $0.shape == [n, h, w, 1] } ?? true,
      "DisparityConfidence: the base must be [\(n), \(h), \(w), 1], got \(base!.shape)")
    let result = Tensor(uninitializedShape: [n, h, w, 1])
    let pointers = UncheckedSendable(
      (logits.unsafePointer, base?.unsafePointer, result.unsafeMutablePointer))
    let first = Float(minimumDisparity)
    Parallel.forEachRange(n * h * w, minimumChunk: 4096) { pixels in
      let (values, offsets, output) = pointers.value
      var start = pixels.lowerBound
      if vectorized && k <= 8 {
        start += VectorKernels.expConstants.withUnsafeBufferPointer { constants in
          wnet_local_expected8(
            values + start * k, Int32(k), pixels.count, offsets.map { $0 + start }, first,
            Int32(Swift.min(radius, Int(Int32.max))), constants.baseAddress, output + start)
        }
      }
      for pixel in start..<pixels.upperBound {
        let row = values + pixel * k
        var best = 0
        for candidate in 1..<k where row[candidate] > row[best] { best = candidate }
        let peak = row[best]
        var weightSum: Float = 0
        var weighted: Float = 0
        for candidate in Swift.max(0, best - radius)...Swift.min(k - 1, best + radius) {
          let e = VectorMath.expOfNonPositive(row[candidate] - peak)
          weightSum += e
          weighted += e * Float(candidate)
        }
        output[pixel] = first + weighted / weightSum + (offsets?[pixel] ?? 0)
      }
    }
    return withExtendedLifetime((logits, base)) { result }
  }
}
