import Foundation
import StereoTensor
import Testing

@testable import StereoData

/// `StereoProxy.filling(from:)` and `FilledProxyProvider`: a teacher's holes take another
/// proxy's values, its own values stay.
@Suite("Proxy holes filled from another proxy") struct StereoProxyFillingTests {
  /// A 3×1 map of one channel.
  private func row(_ values: [Float]) -> Image {
    Image(width: values.count, height: 1, channels: 1, pixels: values)
  }

  private func proxy(
    _ left: [Float], _ leftConfidence: [Float], _ right: [Float], _ rightConfidence: [Float]
  )
    -> StereoProxy
  {
    StereoProxy(
      leftDisparity: row(left), leftConfidence: row(leftConfidence), rightDisparity: row(right),
      rightConfidence: row(rightConfidence))
  }

  @Test("Holes take the other proxy's value and confidence, per view; known pixels stay")
  func handCase() {
    let inf = Float.infinity
    let teacher = proxy([4, inf, inf], [0.9, 0, 0], [inf, 2, inf], [0, 0.5, 0])
    let sgbm = proxy([7, 5, inf], [0.3, 0.25, 0], [1, 8, 3], [1, 0.2, 0.5])
    let filled = teacher.filling(from: sgbm)
    // By hand: left keeps 4 (0.9), takes 5 (0.25), stays unknown; right takes 1 (1), keeps
    // 2 (0.5), takes 3 (0.5).
    #expect(filled == proxy([4, 5, inf], [0.9, 0.25, 0], [1, 2, 3], [1, 0.5, 0.5]))
  }

  @Test("With conflicts, known pixels that differ by more than the threshold take the other's")
  func conflicts() {
    let inf = Float.infinity
    let teacher = proxy([4, 10, inf, 6], [0.9, 0.8, 0, 0.7], [2, 2, 2, inf], [1, 1, 1, 0])
    let sgbm = proxy([7, 13.5, 5, inf], [0.3, 0.6, 0.25, 0], [5, 1, -1.5, 8], [1, 0.2, 0.4, 1])
    let merged = teacher.filling(from: sgbm, conflicts: 3)
    // By hand, left: |4 − 7| = 3 is not above 3, keeps 4 (0.9); |10 − 13.5| = 3.5 takes 13.5
    // (0.6); the hole takes 5 (0.25); SGBM's hole keeps 6 (0.7). Right: |2 − 5| = 3 keeps 2 (1);
    // |2 − 1| keeps 2 (1); |2 − (−1.5)| = 3.5 takes −1.5 (0.4); the hole takes 8 (1).
    #expect(
      merged == proxy([4, 13.5, 5, 6], [0.9, 0.6, 0.25, 0.7], [2, 2, -1.5, 8], [1, 1, 0.4, 1]))
    // Without a threshold only the holes change.
    #expect(
      teacher.filling(from: sgbm)
        == proxy([4, 10, 5, 6], [0.9, 0.8, 0.25, 0.7], [2, 2, 2, 8], [1, 1, 1, 1]))
  }

  /// A provider that returns one fixed proxy and counts its calls.
  private final class Fixed: StereoProxyProvider, @unchecked Sendable {
    let value: StereoProxy
    var calls = 0
    init(_ value: StereoProxy) { self.value = value }
    func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
      calls += 1
      return value
    }
  }

  @Test("The provider asks both and merges them as filling(from:) does")
  func provider() throws {
    let inf = Float.infinity
    let primary = Fixed(proxy([inf, 1, 2], [0, 1, 1], [3, inf, inf], [1, 0, 0]))
    let fallback = Fixed(proxy([6, 6, 6], [0.5, 0.5, 0.5], [inf, inf, 9], [0, 0, 0.1]))
    let provider = FilledProxyProvider(primary: primary, fallback: fallback)
    let view = Image(width: 3, height: 1, channels: 3)
    let sample = StereoSample(left: view, right: view, source: "s", identifier: "s")
    let merged = try provider.proxy(
      for: StereoSampleFiles(
        identifier: "s", source: "s", left: URL(fileURLWithPath: "/l"),
        right: URL(fileURLWithPath: "/r")),
      sample: sample)
    #expect(merged == proxy([6, 1, 2], [0.5, 1, 1], [3, inf, 9], [1, 0, 0.1]))
    #expect(primary.calls == 1 && fallback.calls == 1)
  }
}
