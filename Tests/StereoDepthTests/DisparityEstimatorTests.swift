import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing
import _StereoTestSupport

/// The one inference entry point and its scale policy, on pairs whose disparity is known.
@Suite("DisparityEstimator: scale policy and known shifts")
struct DisparityEstimatorTests {
  /// A smooth random texture (noise at a quarter size, bilinearly enlarged), `width × height` RGB,
  /// and the right view that sees it `shift` pixels further left: `R(x) = L(x + shift)`, so the
  /// left view's disparity is `shift` everywhere (the last `shift` columns repeat the edge).
  static func shiftedPair(width: Int, height: Int, shift: Int, seed: UInt64) -> (
    left: Image, right: Image
  ) {
    let texture = randomTensor([1, height / 4, (width + shift) / 4, 3], seed: seed, in: 0...1)
      .resizedBilinear(height: height, width: width + shift)
    let left = texture.slice(axis: 2, 0..<width)
    let right = texture.slice(axis: 2, shift..<(width + shift))
    return (Image(left), Image(right))
  }

  /// The median of |estimate − shift| over the interior (away from the borders the shift hides).
  static func medianError(_ disparity: Image, shift: Int) -> Float {
    var errors: [Float] = []
    for y in (disparity.height / 8)..<(disparity.height * 7 / 8) {
      for x in (shift + 8)..<(disparity.width - 8) {
        errors.append(abs(disparity.pixels[y * disparity.width + x] - Float(shift)))
      }
    }
    errors.sort()
    return errors[errors.count / 2]
  }

  @Test("The working size follows scale = min(1, d_max,model / d_max,input), by hand")
  func workingSize() throws {
    let (model, _) = try PretrainedModel.load(.realtime)  // candidates 0…47
    let estimator = DisparityEstimator(model: model, defaultDisparityFraction: 0.25)
    // 47 / 94 = 0.5: 640x480 → 320x240.
    #expect(estimator.workingSize(width: 640, height: 480, maximumDisparity: 94) == (320, 240))
    // Within range: no shrinking.
    #expect(estimator.workingSize(width: 640, height: 480, maximumDisparity: 40) == (640, 480))
    // No maximum: 0.25 × 376 = 94 → half size.
    #expect(estimator.workingSize(width: 376, height: 200, maximumDisparity: nil) == (188, 100))
    // The default fraction without metadata is 47 / 336.
    #expect(DisparityEstimator(model: model).defaultDisparityFraction == Float(47) / 336)
  }

  @Test("A coarse-to-fine model shrinks only for a maximum beyond its range, by hand")
  func coarseToFineWorkingSize() {
    let model = WNet(configuration: WNetConfiguration(preset: .matching))  // 0…255
    let estimator = DisparityEstimator(model: model, defaultDisparityFraction: 0.25)
    // No maximum: the native size, whatever the width (a fraction would give 0.25 × 2000 = 500).
    #expect(estimator.workingSize(width: 2000, height: 1500, maximumDisparity: nil) == (2000, 1500))
    // Within the range: no shrinking.
    #expect(estimator.workingSize(width: 640, height: 480, maximumDisparity: 255) == (640, 480))
    // 255 / 510 = 0.5 beyond it.
    #expect(estimator.workingSize(width: 640, height: 480, maximumDisparity: 510) == (320, 240))
  }

  @Test(
    "The bundled model recovers a known shift at scale 1 and at scales 1/2 and 1/3, in input pixels",
    arguments: [(shift: 16, maximum: Float(40), scale: Float(1)), (32, 94, 2), (60, 141, 3)])
  func knownShift(shift: Int, maximum: Float, scale: Float) throws {
    let (model, _) = try PretrainedModel.load(.realtime)
    let estimator = DisparityEstimator(model: model)
    let (left, right) = Self.shiftedPair(width: 252, height: 120, shift: shift, seed: 5)
    let prediction = try estimator.predict(left: left, right: right, maximumDisparity: maximum)
    #expect(abs(prediction.disparityScale - scale) < 0.02, "scale \(prediction.disparityScale)")
    #expect(prediction.disparity.width == 252 && prediction.disparity.height == 120)
    let error = Self.medianError(prediction.disparity, shift: shift)
    #expect(error < 0.5 * scale, "median error \(error) px at scale \(scale)")
  }

  @Test("A batch at the network's resolution: odd sizes are padded and cropped back")
  func batchEstimate() throws {
    let (model, _) = try PretrainedModel.load(.realtime)
    let estimator = DisparityEstimator(model: model)
    let (left, right) = Self.shiftedPair(width: 101, height: 67, shift: 12, seed: 6)
    let (disparity, peak, confidence) = estimator.estimate(left: left.tensor, right: right.tensor)
    for map in [disparity, peak, confidence] { #expect(map.shape == [1, 67, 101, 1]) }
    #expect(Self.medianError(Image(disparity), shift: 12) < 0.5)
  }
}
