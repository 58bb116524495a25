import Testing

@testable import StereoTensor

/// Which algorithm a convolution gets: Winograd for 3×3 stride-1 convolutions with 16+ channels
/// in training, with 64+ in inference (where its per-call reorders cost more below that).
@Suite("oneDNN convolution plans")
struct ConvolutionPlanTests {
  static let same = ConvolutionGeometry(stride: 1, padding: 1)

  /// `[N, H, W, C_in]` and `[C_out, 3, 3, C_in]`.
  static func plans(input: Int, output: Int, inference: Bool) -> [ConvolutionPlan] {
    ConvolutionPlan.candidates(
      input: [1, 32, 32, input], filter: [output, 3, 3, input], geometry: same,
      inference: inference)
  }

  @Test("Training: Winograd from 16 channels in and out")
  func training() {
    guard ConvolutionPlan.winogradEnabled else { return }  // WNET_DNNL_WINOGRAD=0
    #expect(Self.plans(input: 24, output: 24, inference: false) == [.winograd, .direct])
    #expect(Self.plans(input: 8, output: 24, inference: false) == [.direct])
  }

  @Test("Inference: Winograd only from 64 channels in and out (matching's 8-64 go direct)")
  func inference() {
    guard ConvolutionPlan.winogradEnabled else { return }
    #expect(Self.plans(input: 24, output: 24, inference: true) == [.direct])
    #expect(Self.plans(input: 64, output: 48, inference: true) == [.direct])
    #expect(Self.plans(input: 96, output: 64, inference: true) == [.winograd, .direct])
    // Stride 2 never fits Winograd.
    #expect(
      ConvolutionPlan.candidates(
        input: [1, 32, 32, 96], filter: [64, 3, 3, 96],
        geometry: ConvolutionGeometry(stride: 2, padding: 1), inference: true) == [.direct])
  }
}
