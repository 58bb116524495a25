/// One decoded frame of a 3D video, both views still packed as the file stores them.
///
/// Kept as 8-bit RGB so that a shuffle buffer of frames stays small; ``views()`` unpacks it.
public struct VideoFrame: Sendable {
  /// The frame's number at the reader's rate, from 0.
  public var index: Int
  /// Its time in seconds from the start of the video.
  public var time: Double
  /// How the views are packed.
  public var layout: StereoVideoLayout
  /// The packed frame's width.
  public var width: Int
  /// The packed frame's height.
  public var height: Int
  /// The packed frame, `[height, width, 3]` 8-bit RGB.
  public var rgb: [UInt8]

  /// Creates a frame; `rgb` must hold `width · height · 3` bytes.
  public init(
    index: Int, time: Double, layout: StereoVideoLayout, width: Int, height: Int, rgb: [UInt8]
  ) {
    precondition(
      rgb.count == width * height * 3,
      "\(rgb.count) bytes do not fill a \(width)x\(height) RGB frame")
    self.index = index
    self.time = time
    self.layout = layout
    self.width = width
    self.height = height
    self.rgb = rgb
  }

  /// The left and right views, `[H, W, 3]` in [0, 1] (8-bit value `v` → `v / 255`, exactly as a
  /// PNG of the view would read). Half layouts are stretched back by 2 along the squeezed axis
  /// with bilinear interpolation; see ``StereoVideoLayout``.
  public func views() -> (left: Image, right: Image) {
    let half = layout.halfSize(frameWidth: width, frameHeight: height)
    let (leftX, leftY) = (0, 0)
    let (rightX, rightY) = layout.isSideBySide ? (half.width, 0) : (0, half.height)
    var left = unpack(x: leftX, y: leftY, width: half.width, height: half.height)
    var right = unpack(x: rightX, y: rightY, width: half.width, height: half.height)
    if layout.isHalf {
      let size = layout.viewSize(frameWidth: width, frameHeight: height)
      left = left.resized(width: size.width, height: size.height)
      right = right.resized(width: size.width, height: size.height)
    }
    return (left, right)
  }

  /// The views as a ``StereoSample`` of `source`, named `<source>@<time>s`.
  public func stereoSample(source: String) -> StereoSample {
    let (left, right) = views()
    let stamp = (time * 1000).rounded() / 1000
    return StereoSample(left: left, right: right, source: source, identifier: "\(source)@\(stamp)s")
  }

  private func unpack(x: Int, y: Int, width viewWidth: Int, height viewHeight: Int) -> Image {
    var values = [Float](repeating: 0, count: viewWidth * viewHeight * 3)
    rgb.withUnsafeBufferPointer { bytes in
      for row in 0..<viewHeight {
        let source = ((y + row) * width + x) * 3
        let target = row * viewWidth * 3
        for index in 0..<(viewWidth * 3) {
          values[target + index] = Float(bytes[source + index]) / 255
        }
      }
    }
    return Image(width: viewWidth, height: viewHeight, channels: 3, pixels: values)
  }
}
