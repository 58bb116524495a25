import StereoData
import StereoTensor
import Testing

@testable import StereoDepth

@Suite("Row padding: rows repeated at the top and bottom of both views, cropped before the check")
struct RowPaddingTests {
  /// `view` (`[1, H, W, C]`) with its first row repeated `rows` times above it and its last row
  /// `rows` times below it, built by hand.
  static func heightened(_ view: Tensor, rows: Int) -> Tensor {
    let (h, w, c) = (view.shape[1], view.shape[2], view.shape[3])
    let tall = h + 2 * rows
    let source = view.scalars
    var result = [Float](repeating: 0, count: tall * w * c)
    for y in 0..<tall {
      let from = Swift.min(Swift.max(y - rows, 0), h - 1)
      for index in 0..<(w * c) { result[y * w * c + index] = source[from * w * c + index] }
    }
    return Tensor(shape: [1, tall, w, c], scalars: result)
  }

  @Test(
    "The maps of views heightened by hand, cropped back; the check on the cropped maps",
    arguments: [(0, 3, 3), (0, 8, 8), (1, 3, 4)])
  func matchesHandPadding(dropped: Int, padding: Int, rows: Int) throws {
    let (_, estimator, pair) = InvalidPixelRuleTests.smallMatching()
    let padded = estimator.estimateBothViews(
      left: pair.left, right: pair.right, droppingFinestScales: dropped, rowPadding: padding)
    // `rows`: the padding rounded up to the output factor (2 with one scale dropped).
    let tall = estimator.estimateBothViews(
      left: Self.heightened(pair.left, rows: rows), right: Self.heightened(pair.right, rows: rows),
      droppingFinestScales: dropped)
    let factor = 1 << dropped
    let (height, width, first) = (32 / factor, 64 / factor, rows / factor)
    func cropped(_ map: Tensor) -> Tensor {
      map.slice(axis: 1, first..<(first + height)).slice(axis: 2, 0..<width)
    }
    let difference = InvalidPixelRuleTests.maximumDifference
    #expect(padded.disparity.shape == [1, height, width, 1])
    #expect(difference(padded.disparity, cropped(tall.disparity)) < 1e-5)
    #expect(difference(padded.peak, cropped(tall.peak)) < 1e-5)
    #expect(difference(padded.rightDisparity, cropped(tall.rightDisparity)) < 1e-5)
    let expected = LeftRightConsistency.difference(
      own: cropped(tall.disparity), other: cropped(tall.rightDisparity), direction: -1)
    let pairs = zip(padded.leftRightDifference.scalars, expected.scalars)
    #expect(pairs.filter { $0.0.isFinite != $0.1.isFinite }.isEmpty)
    let finite = pairs.filter { $0.0.isFinite }
    #expect(finite.count > 0 && finite.allSatisfy { abs($0.0 - $0.1) < 1e-4 })
    // The test can fail: the padding changes the maps near the top and bottom.
    let plain = estimator.estimateBothViews(
      left: pair.left, right: pair.right, droppingFinestScales: dropped)
    #expect(difference(padded.disparity, plain.disparity) > 1e-3)
  }

  @Test("predict pads the rows as estimateBothViews does, with the columns; none by default")
  func predictPadsRows() throws {
    let (_, estimator, pair) = InvalidPixelRuleTests.smallMatching()
    let (left, right) = (Image(pair.left), Image(pair.right))
    func marked(_ rows: Int?) throws -> [Float] {
      let rule = InvalidPixelRule(
        speckles: .off, median: nil, holes: nil, borderPadding: 8, rowPadding: rows)
      return try estimator.predict(
        left: left, right: right, maximumDisparity: 31, invalidPixels: rule
      ).disparity.pixels
    }
    let both = estimator.estimateBothViews(
      left: pair.left, right: pair.right,
      rightDroppingScales: InvalidPixelRule.defaultRightViewScalesDropped(adapting: false),
      borderPadding: 8, rowPadding: 8)
    #expect((try marked(8)) == both.disparity.scalars)
    #expect((try marked(nil)) == (try marked(0)), "no rows by default")
    #expect((try marked(nil)) != (try marked(8)), "the rows change the map")
  }
}
