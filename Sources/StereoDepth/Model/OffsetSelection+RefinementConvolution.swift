import StereoTensor

extension OffsetSelection {
  /// A refinement scale's first convolution on its input, the input never stored:
  ///
  ///     narrowConvolution3x3(refinementInput(features, other, d0), filter, bias, relu)
  ///
  /// bit for bit (``refinementInput(features:other:baseDisparity:side:radius:)``, then
  /// ``StereoTensor/Tensor/narrowConvolution3x3(_:channels:filter:bias:relu:)``): each input row
  /// the convolution reads is built straight into its planes
  /// (``StereoTensor/Tensor/narrowConvolution3x3(inputShape:filter:bias:relu:makeFill:)``), so
  /// the `[N, H, W, C + 2r + 1]` input (16 MB at 640×480 for the finest scale) is neither written
  /// nor read back. Inference only.
  ///
  /// - Parameters:
  ///   - features: `[N, H, W, C]`, this view's features.
  ///   - other: `[N, H, W, C]`, the other view's.
  ///   - baseDisparity: `[N, H, W, 1]`, `d0` in pixels of this resolution.
  ///   - side: This view.
  ///   - radius: `r`, at most 3.
  ///   - filter: `[C_out, 3, 3, C + 2r + 1]` (OHWI), `1 ≤ C_out ≤ 16`.
  ///   - bias: `[C_out]`, or `nil`.
  ///   - relu: Whether ReLU follows.
  /// - Returns: `[N, H, W, C_out]`.
  /// - Precondition: ``StereoTensor/Tensor/narrowConvolutionAvailable``.
  public static func refinementConvolution(
    features: Tensor, other: Tensor, baseDisparity: Tensor, side: StereoSide, radius: Int,
    filter: Tensor, bias: Tensor?, relu: Bool
  ) -> Tensor {
    let (n, h, w, c) = refinementShape(
      features: features, other: other, baseDisparity: baseDisparity, radius: radius,
      caller: "refinementConvolution")
    let pointers = UncheckedSendable(
      (features.unsafePointer, other.unsafePointer, baseDisparity.unsafePointer))
    let output = Tensor.narrowConvolution3x3(
      inputShape: [n, h, w, c + 2 * radius + 1], filter: filter, bias: bias, relu: relu
    ) {
      let (featuresBase, otherBase, baseBase) = pointers.value
      let writer = RefinementInputRow(
        features: featuresBase, other: otherBase, base: baseBase, width: w, channels: c,
        radius: radius, side: side)
      return { row, planes, planeLength in
        writer.write(row: row, to: planes + 1, pixelStride: 1, channelStride: planeLength)
      }
    }
    return withExtendedLifetime((features, other, baseDisparity)) { output }
  }
}
