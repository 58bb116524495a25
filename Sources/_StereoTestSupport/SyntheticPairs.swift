import StereoTensor

/// A rectified pair whose true disparity is `shift` everywhere: `right(x) = left(x + shift)`, so
/// that `left(x) = right(x − shift)` as the convention has it.
///
/// The texture is random colour noise smoothed over a few pixels (rich enough to match, smooth
/// enough to have useful gradients). Shapes `[batch, height, width, 3]`, values in [0, 1].
package func constantShiftPair(
  batch: Int, height: Int, width: Int, shift: Int, seed: UInt64
) -> (left: Tensor, right: Tensor) {
  var generator = SeededGenerator(seed: seed)
  let wide = width + abs(shift) + 4
  var left = [Float](), right = [Float]()
  for _ in 0..<batch {
    // Noise, then a 3-tap box blur along both axes.
    var noise = (0..<(height * wide * 3)).map { _ in Float.random(in: 0...1, using: &generator) }
    for _ in 0..<2 {
      var blurred = noise
      for y in 0..<height {
        for x in 0..<wide {
          for c in 0..<3 {
            var sum: Float = 0
            var count: Float = 0
            for (dy, dx) in [(0, -1), (0, 0), (0, 1), (-1, 0), (1, 0)] {
              let (yy, xx) = (y + dy, x + dx)
              guard yy >= 0, yy < height, xx >= 0, xx < wide else { continue }
              sum += noise[(yy * wide + xx) * 3 + c]
              count += 1
            }
            blurred[(y * wide + x) * 3 + c] = sum / count
          }
        }
      }
      noise = blurred
    }
    let offset = 2 + max(0, -shift)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<3 {
          left.append(noise[(y * wide + x + offset) * 3 + c])
          right.append(noise[(y * wide + x + offset + shift) * 3 + c])
        }
      }
    }
  }
  return (
    Tensor(shape: [batch, height, width, 3], scalars: left),
    Tensor(shape: [batch, height, width, 3], scalars: right)
  )
}
