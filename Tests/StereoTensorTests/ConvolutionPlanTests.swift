import Testing

@testable import StereoTensor

/// Which algorithm a convolution gets: Winograd only for 3×3, stride-1 convolutions with 64+
/// channels in and out (below that its per-call reorders cost more than it saves).
@Suite("oneDNN convolution plans")
struct ConvolutionPlanTests {
  /// `[N, H, W, C_in]` and `[C_out, 3, 3, C_in]`.
  static func plans(input: Int, output: Int, stride: Int = 1) -> [ConvolutionPlan] {
    ConvolutionPlan.candidates(
      input: [1, 32, 32, input], filter: [output, 3, 3, input],
      geometry: ConvolutionGeometry(stride: stride, padding: 1))
  }

  @Test("Winograd from 64 channels in and out; matching's 8-64-channel layers go direct")
  func winogradChannels() {
    guard ConvolutionPlan.winogradEnabled else { return }  // WNET_DNNL_WINOGRAD=0
    #expect(Self.plans(input: 24, output: 24) == [.direct])
    #expect(Self.plans(input: 64, output: 48) == [.direct])
    #expect(Self.plans(input: 48, output: 64) == [.direct])
    #expect(Self.plans(input: 96, output: 64) == [.winograd, .direct])
    #expect(Self.plans(input: 512, output: 256) == [.winograd, .direct])
    #expect(Self.plans(input: 96, output: 64, stride: 2) == [.direct])
  }
}
