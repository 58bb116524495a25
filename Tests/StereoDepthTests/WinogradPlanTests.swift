import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The matching plan's wide 3×3 layers on the Winograd kernel (a CPU without AVX-512, in `Float`)
/// against the same plan on oneDNN.
@Suite("The Winograd kernel in the matching plan")
struct WinogradPlanTests {
  /// The bundled model's maps of both views on either path agree within 1e-3 px (`Float`
  /// rounding in another order); a lost bias, ReLU or tap moves them by pixels.
  @Test("The matching plan on the Winograd kernel gives oneDNN's maps")
  func winogradMatchesOneDNN() throws {
    guard Tensor.winogradConvolutionAvailable else { return }  // no AVX2, or turned off
    let model = try PretrainedModel.load().model
    let left = randomTensor([1, 64, 128, 3], seed: 31, in: 0...1)
    // The left view shifted by 9 px, so that the model sees a real stereo pair.
    let right = left.padded(axis: 2, before: 9, after: 0, mode: .replicate).slice(axis: 2, 0..<128)
    let plan = InferencePlan(model.network, views: .both, rightDroppingScales: 1)
    func maps(winograd: Bool) -> (left: Tensor, right: Tensor) {
      withBackend(Backends.backend(precision: .float32)!) {
        Tensor.$winogradConvolutionPreference.withValue(winograd) {
          let both = plan.bothViews(left: left, right: right)
          return (both.disparity, both.rightDisparity)
        }
      }
    }
    let (winograd, oneDNN) = (maps(winograd: true), maps(winograd: false))
    let spread = winograd.left.max().scalar - winograd.left.min().scalar
    #expect(spread > 1, "the model should give varied disparities, spread \(spread)")
    #expect(maximumAbsoluteDifference(winograd.left, oneDNN.left) < 1e-3)
    #expect(maximumAbsoluteDifference(winograd.right, oneDNN.right) < 1e-3)
    // The Winograd path did run: its rounding differs somewhere.
    #expect(winograd.left.scalars != oneDNN.left.scalars)
  }

  @Test("The kernel is the default in Float, and in bfloat16 where oneDNN has no AMX")
  func defaultChoice() {
    guard Tensor.winogradConvolutionAvailable else { return }
    #expect(
      withBackend(Backends.backend(precision: .float32)!) { Tensor.winogradConvolutionPreferred })
    if let bfloat16 = Backends.backend(precision: .bfloat16) {
      #expect(
        withBackend(bfloat16) { Tensor.winogradConvolutionPreferred }
          == !DNNLBackend.amxSupported)
    }
  }
}
