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
    let channels = channels
    let count = pixels.count
    return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
      pixels.withUnsafeBufferPointer { values in
        // `v·255 + 0.5` truncated is round-half-up, which for v ≥ 0 equals `rounded()`'s
        // half-away-from-zero without a libm call per byte; NaN and ±∞ become 0 and clamp.
        for pixel in 0..<(count / max(channels, 1)) {
          let base = pixel * channels
          for c in 0..<channels {
            let value = values[base + c]
            let clamped = value.isFinite ? Swift.min(Swift.max(value, 0), 1) : 0
            out[base + channels - 1 - c] = UInt8(truncatingIfNeeded: Int32(clamped * 255 + 0.5))
          }
        }
      }
      initialized = count
    }
  }
}
