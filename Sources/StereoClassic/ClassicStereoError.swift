/// A problem reported by OpenCV or found in the input of a classical stereo operation, in one
/// line.
///
/// OpenCV's `cv::Exception`s are caught in the C++ layer (`CStereoClassic`) and arrive here with
/// the failed condition and the OpenCV function that raised it.
public struct ClassicStereoError: Error, CustomStringConvertible, Sendable {
  /// The message.
  public let description: String

  /// Creates an error with a one-line message.
  public init(_ description: String) { self.description = description }
}
