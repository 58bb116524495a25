/// Google's Turbo colormap: a perceptually smoothed rainbow from dark blue through green and
/// yellow to dark red.
///
/// `t ∈ [0, 1]` is mapped by linear interpolation in the published 256-entry table (see
/// `TurboColormap+Table.swift` for its source):
///
///     s = 255·clamp(t, 0, 1),   i = ⌊s⌋,   colour = (1 − (s − i))·table[i] + (s − i)·table[i + 1]
///
/// so `t = i / 255` gives table entry `i` exactly (within Float rounding, about 1e-6).
///
/// Reference: A. Mikhailov, "Turbo, An Improved Rainbow Colormap for Visualization", Google AI
/// Blog, 2019.
public enum TurboColormap {
  /// The colour of `t`, each channel in [0, 1].
  ///
  /// `t` is clamped to [0, 1]; NaN gives `t = 0`.
  ///
  /// - Parameter t: The position along the map.
  /// - Returns: Red, green and blue.
  @inlinable
  public static func color(at t: Float) -> SIMD3<Float> {
    let position = 255 * (t >= 0 ? min(t, 1) : 0)
    let lower = min(Int(position), 254)
    let fraction = position - Float(lower)
    return (1 - fraction) * entry(lower) + fraction * entry(lower + 1)
  }

  /// Table entry `index` in 0…255.
  @usableFromInline
  static func entry(_ index: Int) -> SIMD3<Float> {
    SIMD3(table[3 * index], table[3 * index + 1], table[3 * index + 2])
  }
}
