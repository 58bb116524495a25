extension CheckpointMetadata {
  /// The share of the image width that bounded disparities in training, for the default working
  /// scale at inference (``DisparityEstimator``'s scale policy): the largest candidate over the
  /// training crop width; `nil` when the checkpoint does not record its training.
  public var disparityWidthFraction: Float? {
    guard let width = training?.width, width > 0 else { return nil }
    return Float(configuration.maximumDisparity) / Float(width)
  }
}
