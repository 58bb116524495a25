extension ONNXExporter {
  /// The metadata (`metadata_props`) that carries ``DisparityEstimator``'s whole contract, so a
  /// user of the ONNX file alone gets the same disparities as `wnet infer`:
  ///
  /// - `wnet.preset`, `wnet.minimum_disparity`, `wnet.maximum_disparity` (the candidates,
  ///   `d_max,model`, in working pixels), `wnet.size_multiple` (`M`);
  /// - `wnet.default_disparity_fraction` (`f`): without a user bound,
  ///   `d_max,input = f · W_input`; 0 for a coarse-to-fine model (`matching`), which runs at the
  ///   input's own size unless the user's bound exceeds its range (as ``DisparityEstimator``);
  /// - `wnet.scale_policy`: `scale = min(1, d_max,model / d_max,input)`;
  /// - `wnet.input_size_rule`: working size `w = max(M, round(W·scale))`,
  ///   `h = max(M, round(H·scale))`, bilinear resize, edge padding to multiples of `M`;
  /// - `wnet.resize`: the bilinear resampling (half-pixel centres, source clamped at 0, no
  ///   antialiasing: ONNX `Resize` linear with `half_pixel`, PyTorch `align_corners=False,
  ///   antialias=False`);
  /// - `wnet.output_rule`: crop to `h × w`, resize the disparity to `H × W`, multiply by `W / w`;
  /// - `wnet.input_range`: RGB in [0, 1] (8-bit `v / 255`, 16-bit `v / 65535`), grey repeated;
  /// - `wnet.version`: the WNet version that wrote the file.
  public func inferenceMetadata(_ configuration: WNetConfiguration) -> [String: String] {
    let fraction = DisparityEstimator.defaultDisparityFraction(
      for: configuration, stored: defaultDisparityFraction)
    return [
      "wnet.preset": configuration.preset.rawValue,
      "wnet.minimum_disparity": String(configuration.minimumDisparity),
      "wnet.maximum_disparity": String(configuration.maximumDisparity),
      "wnet.size_multiple": String(configuration.sizeMultiple),
      "wnet.default_disparity_fraction": String(fraction),
      "wnet.scale_policy":
        "scale = min(1, maximum_disparity / d_max_input); d_max_input = the user's largest "
        + "expected disparity in input pixels, else default_disparity_fraction * input width; "
        + "without a user bound and with default_disparity_fraction 0, scale = 1",
      "wnet.input_size_rule":
        "w = max(size_multiple, round(W * scale)), h = max(size_multiple, round(H * scale)) "
        + "(float32 arithmetic, round half away from zero); "
        + "resize left and right to h x w (wnet.resize), then pad bottom and right by edge "
        + "replication to multiples of size_multiple",
      "wnet.resize":
        "bilinear, half-pixel centres: src = max((dst + 0.5) * in / out - 0.5, 0), "
        + "taps floor(src) and min(floor(src) + 1, in - 1), no antialiasing",
      "wnet.output_rule":
        "crop disparity to h x w, resize it to H x W (wnet.resize), multiply by W / w: "
        + "disparity in input pixels, left view",
      "wnet.input_range": "float32 RGB in [0, 1], NCHW; 8-bit v / 255, 16-bit v / 65535",
      "wnet.version": WNetVersion.current,
    ]
  }
}
