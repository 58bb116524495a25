import ArgumentParser
import StereoDepth

/// Optional output files of `wnet infer` (``PredictionWriter/Formats``).
struct OutputFileOptions: ParsableArguments {
  @Flag(
    help: """
      Also write disparity.npy (and depth.npy with a calibration): float32 arrays for \
      numpy.load, unknown = inf in disparity.npy and NaN in depth.npy (as in the PFM files).
      """)
  var npy = false

  @Flag(
    help: """
      Also write depth.png: 16-bit depth in millimetres, 0 = unknown or beyond 65.535 m (the \
      RealSense/Azure Kinect convention; needs a calibration).
      """)
  var depthPng = false

  /// The optional files asked for.
  var formats: PredictionWriter.Formats {
    var formats: PredictionWriter.Formats = []
    if npy { formats.insert(.numpy) }
    if depthPng { formats.insert(.depthMillimetres) }
    return formats
  }
}
