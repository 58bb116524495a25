import StereoData
import StereoDepth
import StereoTensor
import Testing

/// The check's right view by default: one scale coarser for a pair inferred as it comes, at the
/// left view's scale for an adapted pair (``InvalidPixelRule/defaultRightViewScalesDropped(adapting:)``).
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

  @Test("Without adaptation the default is 1; the right view at full resolution differs")
  func withoutAdaptation() throws {
    #expect(InvalidPixelRule.defaultRightViewScalesDropped(adapting: false) == 1)
    let byDefault = try Self.marked(dropped: nil, adaptSteps: 0)
    let one = try Self.marked(dropped: 1, adaptSteps: 0)
    let sameAsOne = byDefault == one
    #expect(sameAsOne, "the default is the right view one scale coarser")
    let sameAsZero = byDefault.difference == (try Self.marked(dropped: 0, adaptSteps: 0)).difference
    #expect(!sameAsZero, "the right view's scale changes e")
  }

  @Test("With adaptation the default is 0: the right view at the left view's scale")
  func withAdaptation() throws {
    #expect(InvalidPixelRule.defaultRightViewScalesDropped(adapting: true) == 0)
    let byDefault = try Self.marked(dropped: nil, adaptSteps: 1)
    let zero = try Self.marked(dropped: 0, adaptSteps: 1)
    let sameAsZero = byDefault == zero
    #expect(sameAsZero, "adapted, the default is the right view at the left view's scale")
    let sameAsOne = byDefault.difference == (try Self.marked(dropped: 1, adaptSteps: 1)).difference
    #expect(!sameAsOne, "an explicit 1 is kept under adaptation")
  }
}
