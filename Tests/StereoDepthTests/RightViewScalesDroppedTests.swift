import StereoData
import StereoDepth
import StereoTensor
import Testing

/// The check's right view by default: one scale coarser than the left view's, for a pair inferred
/// as it comes and for an adapted pair (``InvalidPixelRule/defaultRightViewScalesDropped``).
@Suite("The check's right view: its default scale with and without adaptation")
struct RightViewScalesDroppedTests {
  /// The marked map and the left-right disagreement `e` of `predict` with the rule's
  /// `rightViewScalesDropped` set to `dropped` (`nil`: the default), adapting `steps` steps.
  static func marked(dropped: Int?, adaptSteps steps: Int) throws -> Marked {
    let (_, estimator, pair) = InvalidPixelRuleTests.smallMatching()
    let rule = InvalidPixelRule(
      speckles: .off, median: nil, rightViewScalesDropped: dropped, holes: nil)
    let prediction = try estimator.predict(
      left: Image(pair.left), right: Image(pair.right), maximumDisparity: 31,
      adaptation: steps > 0 ? TestTimeAdaptation(steps: steps, proxyWeight: 0) : nil,
      invalidPixels: rule)
    return Marked(
      disparity: prediction.disparity.pixels,
      difference: try #require(prediction.leftRightDifference).pixels)
  }

  /// A marked map and its disparities' disagreement, compared bit for bit (NaN-free: unknown
  /// pixels are `+∞`).
  struct Marked: Equatable {
    var disparity: [Float]
    var difference: [Float]
  }

  @Test(
    "The default is 1 with and without adaptation; an explicit 0 gives another e",
    arguments: [0, 1])
  func defaultScale(adaptSteps: Int) throws {
    let expected = 1
    #expect(InvalidPixelRule.defaultRightViewScalesDropped == expected)
    let byDefault = try Self.marked(dropped: nil, adaptSteps: adaptSteps)
    let same = byDefault == (try Self.marked(dropped: expected, adaptSteps: adaptSteps))
    #expect(same, "the default is \(expected) scales dropped")
    let other = try Self.marked(dropped: 1 - expected, adaptSteps: adaptSteps)
    let sameAsOther = byDefault.difference == other.difference
    #expect(!sameAsOther, "an explicit \(1 - expected) is kept, and changes e")
  }
}
