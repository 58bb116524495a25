import Testing
import _StereoTestSupport

@testable import StereoTensor

/// The correlation's C rows against its Swift path.
@Suite("Correlation: the C rows")
struct CorrelationKernelTests {
  @Test(
    "The C rows write the Swift path's scores bit for bit",
    arguments: CorrelationTests.layouts + [[1, 2, 23, 32, 0, 24], [1, 3, 10, 16, -2, 5]],
    [false, true])
  func kernelMatchesSwift(sizes: [Int], reversed: Bool) {
    guard Kernels.vectorKernelsAvailable else { return }  // no AVX2 here
    let (n, h, w, c, minimum, d) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5])
    let reference = randomTensor([n, h, w, c], seed: UInt64(w * 10 + c))
    let target = randomTensor([n, h, w, c], seed: UInt64(w * 10 + c + 1))
    let (swift, kernel) = [false, true].map { vectorized in
      Kernels.correlation(
        reference: reference, target: target, minimumDisparity: minimum, candidateCount: d,
        reversed: reversed, vectorized: vectorized)
    }.pair
    #expect(swift.shape == kernel.shape)
    let differing = zip(swift.scalars, kernel.scalars).filter { $0.bitPattern != $1.bitPattern }
    #expect(differing.isEmpty, "\(differing.count) of \(swift.scalars.count) scores differ")
    // The test can fail: scores are not all zero where some candidate is inside the image.
    let inside = (minimum..<(minimum + d)).contains { abs($0) < w }
    #expect(!inside || swift.scalars.contains { $0 != 0 })
  }
}

extension Array {
  /// The first two elements.
  fileprivate var pair: (Element, Element) { (self[0], self[1]) }
}
