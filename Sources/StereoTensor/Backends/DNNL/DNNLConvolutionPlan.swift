import Foundation

/// The direction of a convolution primitive.
enum ConvolutionDirection: Hashable, Sendable {
  case forward, backwardData, backwardWeights
}

/// How a convolution's primitives lay out their arguments and which algorithm they run.
///
/// Measured on this project's machine (batch 6, 2 threads; BENCHMARKS.md, "Operations"):
/// - Filters must be `dnnl_format_tag_any`: with our plain OHWI filters oneDNN 2.6 finds only its
///   reference kernels (`ref:any`), 100-1000x slower. So every plan reorders filters
///   (``DNNLWeightCache`` keeps the copies).
/// - ``direct``: NHWC activations, `dnnl_convolution_direct` (the JIT/brgemm kernels);
///   `dnnl_convolution_auto` picked the same kernels and measured 2-8% slower.
/// - ``winograd``: blocked activations (`nChw16c`, reordered from and to NHWC on every call) and
///   `dnnl_convolution_winograd` (`jit_wino_4x3`). For a 3×3, stride-1, ungrouped convolution with
///   at least ``winogradChannels`` channels in and out it does 2.25x fewer multiplications: 64→64
///   at 96×168 took 41 ms instead of 101 ms for forward + both backward passes, plus 11 ms of
///   reorders. Below 64 channels the two reorders per call cost more than the multiplications
///   saved: `matching` (convolutions of 8-64 channels) spent about 9 ms of a 45 ms marked
///   640×480 map and 23 ms of a training step (batch 6, 192×336) in them, and its convolutions
///   were no faster with Winograd (oneDNN's verbose timings, docs/RUNS.md); `original`'s
///   64-512-channel decoder stays on Winograd. With 3 input channels (an image) it is slower,
///   and oneDNN has no Winograd kernel for other shapes. Winograd's transforms cost accuracy:
///   relative errors near 1e-5 instead of 1e-6. `WNET_DNNL_WINOGRAD=0` turns it off.
enum ConvolutionPlan: Hashable, Sendable, CaseIterable {
  case winograd
  case direct

  /// Whether Winograd may be used at all (`WNET_DNNL_WINOGRAD=0` turns it off).
  static let winogradEnabled = ProcessInfo.processInfo.environment["WNET_DNNL_WINOGRAD"] != "0"

  /// The fewest input and output channels with which a convolution uses Winograd.
  static let winogradChannels = 64

  /// The plans to try for a convolution, best first; the last always exists.
  static func candidates(input: [Int], filter: [Int], geometry g: ConvolutionGeometry) -> [Self] {
    let winogradFits =
      winogradEnabled && filter[1] == 3 && filter[2] == 3 && g.strideY == 1 && g.strideX == 1
      && g.groups == 1 && input[3] >= winogradChannels && filter[0] >= winogradChannels
      && max(g.paddingTop, g.paddingBottom, g.paddingLeft, g.paddingRight) <= 1
    return winogradFits ? [.winograd, .direct] : [.direct]
  }
}
