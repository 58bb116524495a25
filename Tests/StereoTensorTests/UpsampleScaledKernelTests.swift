import Testing
import _StereoTestSupport

@testable import StereoTensor

/// The scaled ×2 up-sampling's C rows against its Swift path.
@Suite("Up-sampling ×2 with a scale: the C rows")
struct UpsampleScaledKernelTests {
  @Test(
    "The C rows write the Swift path's values bit for bit",
    arguments: [[1, 1, 1], [2, 3, 5], [1, 4, 9], [1, 5, 10], [2, 3, 17], [1, 6, 40]])
  func kernelMatchesSwift(sizes: [Int]) {
    guard Kernels.vectorKernelsAvailable else { return }  // no AVX2 here
    let (n, h, w) = (sizes[0], sizes[1], sizes[2])
    let x = randomTensor([n, h, w, 1], seed: UInt64(h * 100 + w), in: -3...40)
    for scale: Float in [2, 1.37] {
      let swift = Kernels.upsample2xScaled(x, by: scale, vectorized: false)
      let kernel = Kernels.upsample2xScaled(x, by: scale, vectorized: true)
      #expect(swift.shape == kernel.shape)
      let differing = zip(swift.scalars, kernel.scalars).filter { $0.bitPattern != $1.bitPattern }
      #expect(differing.isEmpty, "\(differing.count) of \(swift.scalars.count) values differ")
      // The test can fail: the values vary.
      #expect(w * h == 1 || Set(swift.scalars).count > swift.scalars.count / 4)
    }
  }
}
