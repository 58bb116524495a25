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
/// with `0 · log 0 = 0`. The weights are normalised by their sum first, so non-negative unnormalised
/// weights work too. A pixel whose weights are negative, non-finite, or sum to zero gets NaN
/// (unknown). For `D = 1` the entropy confidence is 1.
///
/// Shapes: `P [H, W, D]` (an ``Image`` with `D` channels) → `[H, W, 1]`.
public enum DisparityConfidence {
  /// The largest probability of each pixel.
  ///
  /// - Parameter distribution: `P [H, W, D]`.
  /// - Returns: `[H, W, 1]` in [1/D, 1], NaN where `P` is not a distribution.
  public static func peakProbability(_ distribution: Image) -> Image {
    map(distribution) { weights, total in
      weights.reduce(-Float.infinity) { max($0, $1) } / total
    }
  }

  /// One minus the normalised entropy of each pixel, `1 − H / log D`.
  ///
  /// - Parameter distribution: `P [H, W, D]`.
  /// - Returns: `[H, W, 1]` in [0, 1], NaN where `P` is not a distribution.
  public static func entropyConfidence(_ distribution: Image) -> Image {
    let count = distribution.channels
    return map(distribution) { weights, total in
      guard count > 1 else { return 1 }
      var entropy: Double = 0
      for weight in weights where weight > 0 {
        let probability = Double(weight) / Double(total)
        entropy -= probability * Foundation.log(probability)
      }
      return Float(1 - entropy / Foundation.log(Double(count)))
    }
  }

  /// ``peakProbability(_:)`` of batch element `batchIndex` of a `[N, H, W, D]` tensor.
  public static func peakProbability(_ distribution: Tensor, batchIndex: Int = 0) -> Image {
    peakProbability(Image(distribution, batchIndex: batchIndex))
  }

  /// ``entropyConfidence(_:)`` of batch element `batchIndex` of a `[N, H, W, D]` tensor.
  public static func entropyConfidence(_ distribution: Tensor, batchIndex: Int = 0) -> Image {
    entropyConfidence(Image(distribution, batchIndex: batchIndex))
  }

  /// Applies `summary(weights, Σ weights)` to every pixel whose weights form a distribution.
  private static func map(
    _ distribution: Image, _ summary: (ArraySlice<Float>, Float) -> Float
  ) -> Image {
    let count = distribution.channels
    var result = Image(width: distribution.width, height: distribution.height, channels: 1)
    for pixel in 0..<(distribution.width * distribution.height) {
      let weights = distribution.pixels[(pixel * count)..<((pixel + 1) * count)]
      let total = weights.reduce(0, +)
      let valid = total > 0 && total.isFinite && weights.allSatisfy { $0 >= 0 }
      result.pixels[pixel] = valid ? summary(weights, total) : .nan
    }
    return result
  }
}
