/// Inverted dropout.
extension Tensor {
  /// Zeroes each element with probability `rate` and scales the survivors by `1/(1 − rate)`, so the
  /// expectation is unchanged. The mask comes from `generator`, so seeded runs repeat exactly.
  public func dropout(rate: Float, using generator: inout some RandomNumberGenerator) -> Tensor {
    precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
    if rate == 0 { return self }
    var mask = Tensor(uninitializedShape: shape)
    let keep = 1 / (1 - rate)
    mask.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices {
        buffer[index] = Float.random(in: 0..<1, using: &generator) < rate ? 0 : keep
      }
    }
    return self * mask
  }
}
