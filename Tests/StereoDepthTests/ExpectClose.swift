import StereoTensor
import Testing

/// Expects `actual`'s scalars to equal hand-computed `expected` within 1e-5 each.
func expectClose(
  _ actual: Tensor, _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.scalars.count == expected.count, sourceLocation: sourceLocation)
  for (a, e) in zip(actual.scalars, expected) {
    #expect(
      Swift.abs(a - e) < 1e-5, "\(actual.scalars) vs \(expected)", sourceLocation: sourceLocation)
  }
}
