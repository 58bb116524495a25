import StereoTensor

/// The soft census (ternary) appearance term of UnFlow, robust to brightness changes between the
/// views.
///
/// On the grey image `g = 255 · (0.2989 R + 0.5870 G + 0.1140 B)` (TensorFlow's
/// `rgb_to_grayscale`, in UnFlow's 0…255 units), each pixel `p` gets, for the `K = (2r+1)² − 1`
/// offsets `o` of its window (edges replicated), a soft sign of its neighbour's difference:
///
///     t_o(p) = δ / sqrt(0.81 + δ²),   δ = g(p + o) − g(p)
///
/// and two images compare by a soft Hamming distance, averaged over the offsets:
///
///     census(x, y)(p) = (1/K) Σ_o e_o² / (0.1 + e_o²),   e_o = t_o(x)(p) − t_o(y)(p)
///
/// UnFlow sums over the offsets; the mean keeps the term in [0, 1), as L1 on [0, 1] images is.
/// Reference: Meister, Hur, Roth, "UnFlow", AAAI 2018 (`_ternary_transform`, `_hamming_distance`);
/// also DDFlow (Liu et al., AAAI 2019).
public enum CensusLoss {
  /// The window radius `r`: 3 gives UnFlow's 7×7 window (48 offsets).
  public static let defaultRadius = 3

  /// The grey weights of `rgb_to_grayscale`, times 255.
  static let greyWeights: [Float] = [0.2989 * 255, 0.5870 * 255, 0.1140 * 255]

  /// The soft census transform: `[N, H, W, 3]` → `[N, H, W, K]`, one channel per offset
  /// (row-major over the window, the centre left out).
  public static func transform(_ image: Tensor, radius: Int = defaultRadius) -> Tensor {
    precondition(image.shape.count == 4 && image.shape[3] == 3, "Expected [N, H, W, 3]")
    precondition(radius > 0, "The census radius must be positive, got \(radius)")
    let grey = (image * Tensor(shape: [3], scalars: greyWeights))
      .sum(axes: [3], keepingDimensions: true)
    let padded = grey.padded(axis: 1, before: radius, after: radius, mode: .replicate)
      .padded(axis: 2, before: radius, after: radius, mode: .replicate)
    // One filter per offset: +1 at the neighbour, −1 at the centre, so a valid convolution
    // gives δ for every offset at once.
    let size = 2 * radius + 1
    let count = size * size - 1
    var weights = [Float](repeating: 0, count: count * size * size)
    var k = 0
    for dy in 0..<size {
      for dx in 0..<size where !(dy == radius && dx == radius) {
        weights[k * size * size + dy * size + dx] = 1
        weights[k * size * size + radius * size + radius] = -1
        k += 1
      }
    }
    let differences = padded.convolved2D(
      with: Tensor(shape: [count, size, size, 1], scalars: weights))
    return differences / (differences.squared() + 0.81).sqrt()
  }

  /// The per-pixel soft Hamming distance `[N, H, W, 1]` between the census transforms of two
  /// `[N, H, W, 3]` images, in [0, 1).
  public static func perPixel(_ rendered: Tensor, _ target: Tensor, radius: Int = defaultRadius)
    -> Tensor
  {
    precondition(
      rendered.shape == target.shape, "Rendered \(rendered.shape) and target \(target.shape) differ"
    )
    let difference = transform(rendered, radius: radius) - transform(target, radius: radius)
    let squared = difference.squared()
    return (squared / (squared + 0.1)).mean(axes: [3], keepingDimensions: true)
  }
}
