import StereoData
import StereoTensor
import Testing

@testable import StereoDepth

/// The padded maps themselves are checked against views padded by hand in
/// ``InvalidPixelRuleTests/borderPadding(dropped:padding:rounded:rows:)``.
@Suite("Row padding: rows repeated at the top and bottom of both views, cropped before the check")
struct RowPaddingTests {
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
      rightDroppingScales: InvalidPixelRule.defaultRightViewScalesDropped,
      borderPadding: 8, rowPadding: 8)
    #expect((try marked(8)) == both.disparity.scalars)
    #expect((try marked(nil)) == (try marked(0)), "no rows by default")
    #expect((try marked(nil)) != (try marked(8)), "the rows change the map")
  }
}
