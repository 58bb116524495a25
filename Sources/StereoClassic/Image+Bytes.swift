import StereoData

extension Image {
  /// The image as 8-bit values, `round(255·clamp(v, 0, 1))`, channels reversed (RGB → BGR, as
  /// OpenCV's `imread` orders them).
  ///
  /// For an image decoded from an 8-bit file (values `k/255`) this gives back the file's bytes
  /// exactly, so OpenCV sees what `cv2.imread` would give it.
  ///
  /// - Returns: `height·width·channels` bytes, row-major, channels last.
  func bytesBGR() -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: pixels.count)
    let channels = channels
    pixels.withUnsafeBufferPointer { values in
      bytes.withUnsafeMutableBufferPointer { out in
        for pixel in 0..<(width * height) {
          for c in 0..<channels {
            let value = values[pixel * channels + c]
            let clamped = value.isFinite ? min(max(value, 0), 1) : 0
            out[pixel * channels + (channels - 1 - c)] = UInt8((clamped * 255).rounded())
          }
        }
      }
    }
    return bytes
  }
}
