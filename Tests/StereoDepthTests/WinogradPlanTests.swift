import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// The matching plan's wide 3×3 layers on the Winograd kernel (wherever oneDNN would not run them
/// on AMX) against the same plan on oneDNN.
@Suite("The Winograd kernel in the matching plan")
struct WinogradPlanTests {
  /// The bundled model's maps of both views on either path agree within 5e-3 px
  /// (``expectPlanPathsAgree(seed:_:)``).
  @Test("The matching plan on the Winograd kernel gives oneDNN's maps")
  func winogradMatchesOneDNN() throws {
    guard Tensor.winogradConvolutionAvailable else { return }  // no AVX2, or turned off
    try expectPlanPathsAgree(seed: 31) { winograd, run in
      Tensor.$winogradConvolutionPreference.withValue(winograd, operation: run)
    }
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
