import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

@Suite("Disparity metrics on hand-computed cases")
struct DisparityMetricsTests {
  func map(_ values: [Float], width: Int? = nil) -> Image {
    let width = width ?? values.count
    return Image(width: width, height: values.count / width, channels: 1, pixels: values)
  }

  /// One row, computed by hand (ε = |g − e|).
  ///
  ///
  ///     x   g     e      ε     D1 (ε > 3 and ε/g > 5 %)   >1 >2 >3 >4
  ///     0   10    12.5   2.5   no                          y  y  n  n
  ///     1   20    24     4     yes (0.2)                   y  y  y  n
  ///     2   50    52.9   2.9   no                          y  y  n  n
  ///     3   100   104    4     no  (0.04)                  y  y  y  n
  ///     4   —     7      not evaluated (ground truth unknown)
  ///     5   2     NaN    missing → right border run takes x = 4's 7: ε = 5, D1 yes, all bad
  ///
  /// n = 5, estimated 4, D1 = 2/5 (estimated only: 1/4), bad-1 5, bad-2 5, bad-3 3, bad-4 1,
  /// EPE = (2.5 + 4 + 2.9 + 4 + 5) / 5 = 3.68, density 4/5.
  @Test("KITTI D1, bad-N, EPE and density of one row")
  func handComputedRow() {
    let metrics = DisparityMetrics(
      estimate: map([12.5, 24, 52.9, 104, 7, .nan]), groundTruth: map([10, 20, 50, 100, .nan, 2]))
    #expect(metrics.evaluatedPixels == 5)
    #expect(metrics.estimatedPixels == 4)
    #expect(metrics.d1Outliers == 2)
    #expect(metrics.d1OutliersEstimated == 1)
    #expect(
      [metrics.bad1Pixels, metrics.bad2Pixels, metrics.bad3Pixels, metrics.bad4Pixels] as [Int]
        == [5, 5, 3, 1])
    #expect(abs(metrics.endPointError - 3.68) < 1e-5)
    #expect(metrics.density == 0.8)
    #expect(metrics.d1 == 0.4)
    #expect(metrics.d1Estimated == 0.25)
    #expect(metrics.bad3 == 0.6)
  }

  /// The thresholds are strict, and the ratio is a Float compared with the Double 0.05 as the
  /// devkit's C promotion does: 4/80 in Float is 0.0500000007 > 0.05, so it *is* an outlier.
  ///
  ///     g = 60, e = 63     ε = 3 exactly      → not > 3       no
  ///     g = 60, e = 63.5   ε = 3.5, 5.8 %     →               yes
  ///     g = 80, e = 84     ε = 4, Float 5 %   → 0.0500000007  yes
  ///     g = 90, e = 94     ε = 4, 4.4 %       →               no
  @Test("D1 thresholds are strict and use the devkit's Float ratio")
  func d1Edges() {
    #expect(!DisparityMetrics.isD1Outlier(groundTruth: 60, estimate: 63))
    #expect(DisparityMetrics.isD1Outlier(groundTruth: 60, estimate: 63.5))
    #expect(DisparityMetrics.isD1Outlier(groundTruth: 80, estimate: 84))
    #expect(!DisparityMetrics.isD1Outlier(groundTruth: 90, estimate: 94))
    // bad-4 is strict too: ε = 4 is not bad-4.
    let metrics = DisparityMetrics(estimate: map([84]), groundTruth: map([80]))
    #expect(metrics.bad4Pixels == 0 && metrics.bad3Pixels == 1)
  }

  /// A 2×2 map with mask [1, 0, 128/255, 1].
  ///
  /// Only pixels 0 and 3 count (grey 128 is MiddEval3's "occluded"). Errors 1.5 and 10 (10/20 →
  /// D1): n = 2, D1 1/2, EPE 5.75, bad-1 2, bad-4 1.
  @Test("Only pixels where the mask is white are scored")
  func mask() {
    let metrics = DisparityMetrics(
      estimate: map([11.5, 0, 0, 30], width: 2), groundTruth: map([10, 10, 10, 20], width: 2),
      mask: map([1, 0, 128.0 / 255, 1], width: 2))
    #expect(metrics.evaluatedPixels == 2)
    #expect(metrics.d1Outliers == 1)
    #expect(metrics.endPointError == 5.75)
    #expect(metrics.bad1Pixels == 2 && metrics.bad4Pixels == 1)
  }

  /// Negative estimates, missing or not.
  ///
  /// With the default configuration -2 is missing and is filled by the border rule from 5;
  /// with `estimatesAbove = -∞` it is an estimate. Ground truth [-2, 5]:
  /// default → e = [5, 5], ε = [7, 0], D1 (7/2) 1, density ½; -∞ → ε = [0, 0], density 1.
  @Test("What counts as missing is configurable")
  func negativeEstimates() {
    let estimate = map([-2, 5])
    let truth = map([-2, 5])
    let kitti = DisparityMetrics(estimate: estimate, groundTruth: truth)
    #expect(kitti.density == 0.5 && kitti.d1Outliers == 1 && kitti.absoluteErrorSum == 7)
    let signed = DisparityMetrics(
      estimate: estimate, groundTruth: truth,
      configuration: .init(estimatesAbove: -.infinity))
    #expect(signed.density == 1 && signed.d1Outliers == 0 && signed.absoluteErrorSum == 0)
  }

  /// An estimate of exactly 0 is missing by default, as a KITTI PNG's 0 is.
  ///
  /// OpenCV SGBM writes such zeros. Estimate [3, 0, 0, 5], ground truth [3, 4, 4, 5]: the run x = 1…2 lies
  /// between 3 and 5 → min 3, ε = [0, 1, 1, 0], density ½, EPE ½. With `estimatesAbove = -∞`
  /// the zeros are estimates: ε = [0, 4, 4, 0], bad-3 2, EPE 2, density 1.
  @Test("An estimate of exactly 0 is missing, as in a KITTI PNG")
  func zeroEstimates() {
    let estimate = map([3, 0, 0, 5])
    let truth = map([3, 4, 4, 5])
    let kitti = DisparityMetrics(estimate: estimate, groundTruth: truth)
    #expect(kitti.density == 0.5 && kitti.endPointError == 0.5 && kitti.bad1Pixels == 0)
    let signed = DisparityMetrics(
      estimate: estimate, groundTruth: truth, configuration: .init(estimatesAbove: -.infinity))
    #expect(signed.density == 1 && signed.endPointError == 2 && signed.bad3Pixels == 2)
  }

  @Test("Aggregation sums counts instead of averaging rates")
  func aggregate() {
    // Image A: 1 pixel, an outlier. Image B: 3 pixels, none. Mean of rates would be 0.5; KITTI's
    // pooled rate is 1/4.
    let a = DisparityMetrics(estimate: map([20]), groundTruth: map([10]))
    let b = DisparityMetrics(estimate: map([10, 10, 10]), groundTruth: map([10, 10, 10]))
    let total = DisparityMetrics.aggregate([a, b])
    #expect(total.evaluatedPixels == 4)
    #expect(total.d1 == 0.25)
    #expect(total.endPointError == 2.5)
  }

  /// A synthetic pair's own ground truth, with the mask the generator gives: shifting it by
  /// 0.5 px makes EPE exactly 0.5 and no pixel bad; by 3.5 px every pixel with `g < 70` fails D1.
  @Test("Scores a synthetic scene's ground truth against itself and shifted copies")
  func syntheticGroundTruth() {
    var generator = SeededGenerator(seed: 21)
    let pair = SyntheticStereoGenerator(
      configuration: .init(width: 64, height: 40, minimumDisparity: 4, maximumDisparity: 40)
    ).makePair(using: &generator)
    let truth = pair.leftDisparity
    let visible = Int(pair.leftNonOccluded.pixels.reduce(0, +))
    let exact = DisparityMetrics(
      estimate: truth, groundTruth: truth, mask: pair.leftNonOccluded)
    #expect(exact.evaluatedPixels == visible && exact.d1Outliers == 0 && exact.endPointError == 0)
    var shifted = truth
    shifted.pixels = truth.pixels.map { $0 + 0.5 }
    let half = DisparityMetrics(estimate: shifted, groundTruth: truth, mask: pair.leftNonOccluded)
    #expect(abs(half.endPointError - 0.5) < 1e-5 && half.bad1Pixels == 0)
    shifted.pixels = truth.pixels.map { $0 + 3.5 }
    let far = DisparityMetrics(estimate: shifted, groundTruth: truth, mask: pair.leftNonOccluded)
    #expect(far.d1Outliers == visible && far.bad3Pixels == visible && far.bad4Pixels == 0)
  }

  @Test("JSON holds counts and rates and decodes back")
  func json() throws {
    let metrics = DisparityMetrics(
      estimate: map([12.5, 24, 52.9, 104, 7, .nan]), groundTruth: map([10, 20, 50, 100, .nan, 2]))
    let report = DisparityMetricsReport(rows: [.init(name: "row", metrics: metrics)])
    let data = try report.jsonData()
    let object = try #require(
      try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let rows = try #require(object["rows"] as? [[String: Any]])
    let first = try #require(rows.first?["metrics"] as? [String: Any])
    #expect(first["d1"] as? Double == 0.4)
    #expect(first["evaluatedPixels"] as? Int == 5)
    #expect(first["bad4"] as? Double == 0.2)
    let decoded = try JSONDecoder().decode(DisparityMetricsReport.self, from: data)
    #expect(decoded == report)
  }

  @Test("The table aligns one row per result plus a total")
  func table() {
    let a = DisparityMetrics(estimate: map([20]), groundTruth: map([10]))
    let b = DisparityMetrics(estimate: map([10, 10, 10]), groundTruth: map([10, 10, 10]))
    let table = DisparityMetricsReport(rows: [
      .init(name: "a", metrics: a), .init(name: "bb", metrics: b),
    ])
    .addingTotal()
    .formattedTable()
    let expected = """
      name    pixels density     D1  bad-1  bad-2  bad-3  bad-4     EPE
      a            1  100.00 100.00 100.00 100.00 100.00 100.00  10.000
      bb           3  100.00   0.00   0.00   0.00   0.00   0.00   0.000
      total        4  100.00  25.00  25.00  25.00  25.00  25.00   2.500

      """
    #expect(table == expected)
  }

  @Test("JSON files are written atomically, leaving no temporary file")
  func atomicJSON() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("metrics.json")
    try Data("old".utf8).write(to: url)
    let report = DisparityMetricsReport(
      rows: [.init(name: "x", metrics: DisparityMetrics(estimate: map([1]), groundTruth: map([1])))]
    )
    try report.writeJSON(to: url)
    #expect(try Data(contentsOf: url) == (try report.jsonData()))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["metrics.json"])
  }
}
