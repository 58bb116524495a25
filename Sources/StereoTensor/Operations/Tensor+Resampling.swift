/// Max-pooling and bilinear resizing of `[N, H, W, C]` activations.
extension Tensor {
  /// Max-pooling over `size`×`size` windows with stride `size`.
  ///
  /// - Returns: `[N, ⌊H/size⌋, ⌊W/size⌋, C]`.
  ///
  /// The corresponding oneDNN primitive is `dnnl_pooling_v2_forward` (`pooling_max`).
  public func maxPooled(size: Int = 2) -> Tensor {
    let (_, h, w, _) = nhwc("maxPooled")
    precondition(
      size > 0 && h >= size && w >= size, "Max-pool window \(size) does not fit input \(shape)")
    let (output, workspace) = Backends.current.maxPool2D(self, size: size)
    // With a workspace (oneDNN's argmax) backward needs only the input's shape, so the
    // activation is not kept; without one (the reference backend) it is.
    let shape = self.shape
    let input: Tensor? = workspace == nil ? self.detached : nil
    return Tensor.record(output, inputs: [self]) { g in
      [
        Backends.current.maxPool2DBackward(
          g, inputShape: shape, input: input, workspace: workspace, size: size)
      ]
    }
  }

  /// Bilinear resizing to `height`×`width` with half-pixel centres (PyTorch
  /// `align_corners=False`, no antialiasing).
  ///
  /// The corresponding oneDNN primitive is `dnnl_resampling_forward` (`resampling_linear`).
  public func resizedBilinear(height: Int, width: Int) -> Tensor {
    let (_, h, w, _) = nhwc("resizedBilinear")
    precondition(
      height > 0 && width > 0 && h > 0 && w > 0, "Cannot resize \(shape) to \(height)x\(width)")
    if h == height && w == width { return self }
    let result = Backends.current.resizeBilinear(self, height: height, width: width)
    let inputShape = shape
    return Tensor.record(result, inputs: [self]) { g in
      [Backends.current.resizeBilinearBackward(g, inputShape: inputShape)]
    }
  }

  /// Bilinear ×2 up-sampling of `x` joined with `skip` along channels, as one operation (a U-Net
  /// decoder's step): `concatenate([x.upsampled2x(), skip], axis: 3)` without the intermediate
  /// up-sampled tensor, and in backward without slicing the gradient (the up-sampling's
  /// backward reads its channels in place).
  ///
  /// - Parameters:
  ///   - x: `[N, h, w, Cx]`.
  ///   - skip: `[N, 2h, 2w, Cs]`.
  /// - Returns: `[N, 2h, 2w, Cx + Cs]`.
  public static func upsampled2xConcatenated(_ x: Tensor, _ skip: Tensor) -> Tensor {
    let (n, h, w, cx) = x.nhwc("upsampled2xConcatenated")
    let (sn, sh, sw, cs) = skip.nhwc("upsampled2xConcatenated skip")
    precondition(
      sn == n && sh == 2 * h && sw == 2 * w,
      "Skip \(skip.shape) does not match the up-sampled \(x.shape)")
    let output = Profiler.measure("upsample+concat") { Kernels.upsample2xConcatenate(x, skip) }
    let (xShape, needsX, needsSkip) = (x.shape, x.requiresGradient, skip.requiresGradient)
    return Tensor.record(output, inputs: [x, skip]) { g in
      Profiler.measure("upsample+concat.bwd") {
        [
          needsX ? Kernels.resizeBilinearBackward(g, inputShape: xShape) : nil,
          needsSkip ? Kernels.slice(g, axis: 3, range: cx..<(cx + cs)) : nil,
        ]
      }
    }
  }

  /// Bilinear ×2 up-sampling: `[N, H, W, C]` → `[N, 2H, 2W, C]`.
  public func upsampled2x() -> Tensor {
    let (_, h, w, _) = nhwc("upsampled2x")
    return resizedBilinear(height: 2 * h, width: 2 * w)
  }

  /// `scale · upsampled2x()` in one pass, with no gradient: a coarse disparity carried to the
  /// next finer scale (`d0 = 2 · bilinear×2(d)`, a constant there). `[N, h, w, C]` →
  /// `[N, 2h, 2w, C]`, equal to the composition up to float rounding
  /// (``Kernels/upsample2xScaled(_:by:)``; the result is not tracked).
  public func upsampled2xScaled(by scale: Float) -> Tensor {
    _ = nhwc("upsampled2xScaled")
    return Profiler.measure("resize") { Kernels.upsample2xScaled(self, by: scale) }
  }
}
