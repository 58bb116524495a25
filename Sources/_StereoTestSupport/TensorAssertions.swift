import StereoTensor

/// The largest element-wise `|a − b| / (absolute + relative·|b|)`; ≤ 1 means within tolerance.
package func toleranceRatio(_ a: Tensor, _ b: Tensor, absolute: Float, relative: Float) -> Float {
  precondition(a.shape == b.shape, "Shapes differ: \(a.shape) vs \(b.shape)")
  var worst: Float = 0
  a.withUnsafeBufferPointer { x in
    b.withUnsafeBufferPointer { y in
      for index in x.indices {
        let allowed = absolute + relative * Swift.abs(y[index])
        let ratio = Swift.abs(x[index] - y[index]) / allowed
        if !(ratio <= worst) { worst = ratio.isNaN ? .infinity : ratio }
      }
    }
  }
  return worst
}

/// The largest `|a − b|`.
package func maximumAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
  precondition(a.shape == b.shape, "Shapes differ: \(a.shape) vs \(b.shape)")
  return zip(a.scalars, b.scalars).reduce(0) { max($0, Swift.abs($1.0 - $1.1)) }
}

/// A tensor of uniform random values in `range`, from a fixed seed.
package func randomTensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1)
  -> Tensor
{
  var generator = SeededGenerator(seed: seed)
  return Tensor.randomUniform(shape, in: range, using: &generator)
}
