/// Geometric operations on images and maps: crop, resize, flip, channel expansion.
///
/// Coordinates follow the half-pixel-centre convention: pixel `x` covers `[x, x + 1)` and its
/// centre is at `x + 0.5`. Resizing by a factor `s` maps an output centre `x + 0.5` to the input
/// position `(x + 0.5) / s`, as OpenCV's `INTER_LINEAR` and PyTorch's
/// `interpolate(align_corners=False)` do.
extension Image {
  /// The 3-channel image that repeats this grey image's channel: `[H, W, 1]` → `[H, W, 3]`.
  public func colorExpanded() -> Image {
    precondition(channels == 1, "colorExpanded() needs 1 channel, got \(channels)")
    var values = [Float](repeating: 0, count: width * height * 3)
    for index in 0..<(width * height) {
      let value = pixels[index]
      values[3 * index] = value
      values[3 * index + 1] = value
      values[3 * index + 2] = value
    }
    return Image(width: width, height: height, channels: 3, pixels: values)
  }

  /// The `width × height` region whose top-left pixel is `(x, y)`: `[H, W, C]` → `[height, width,
  /// C]`.
  public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
    precondition(
      x >= 0 && y >= 0 && cropWidth >= 0 && cropHeight >= 0 && x + cropWidth <= width
        && y + cropHeight <= height,
      "Crop \(cropWidth)x\(cropHeight) at (\(x), \(y)) is outside a \(width)x\(height) image")
    var values = [Float]()
    values.reserveCapacity(cropWidth * cropHeight * channels)
    for row in y..<(y + cropHeight) {
      let start = (row * width + x) * channels
      values.append(contentsOf: pixels[start..<(start + cropWidth * channels)])
    }
    return Image(width: cropWidth, height: cropHeight, channels: channels, pixels: values)
  }

  /// The image mirrored left to right: `(y, x)` → `(y, W - 1 - x)`.
  public func flippedHorizontally() -> Image {
    var values = [Float](repeating: 0, count: pixels.count)
    for row in 0..<height {
      for column in 0..<width {
        let source = (row * width + width - 1 - column) * channels
        let target = (row * width + column) * channels
        for channel in 0..<channels { values[target + channel] = pixels[source + channel] }
      }
    }
    return Image(width: width, height: height, channels: channels, pixels: values)
  }

  /// The image mirrored top to bottom: `(y, x)` → `(H - 1 - y, x)`.
  public func flippedVertically() -> Image {
    let row = width * channels
    var values = [Float]()
    values.reserveCapacity(pixels.count)
    for y in stride(from: height - 1, through: 0, by: -1) {
      values.append(contentsOf: pixels[(y * row)..<((y + 1) * row)])
    }
    return Image(width: width, height: height, channels: channels, pixels: values)
  }

  /// The image resized by bilinear interpolation with half-pixel centres, for colour images and
  /// other continuous values: `[H, W, C]` → `[height, width, C]`.
  ///
  /// Samples outside the image are clamped to the border. Plain bilinear interpolation aliases
  /// when shrinking by more than 2; with `antialiased`, the image is first halved by 2×2 box
  /// averaging until the remaining factor is at most 2 (a whole pixel at the right or bottom
  /// edge of an odd size is averaged with itself).
  public func resized(width newWidth: Int, height newHeight: Int, antialiased: Bool = false)
    -> Image
  {
    precondition(newWidth > 0 && newHeight > 0, "Cannot resize to \(newWidth)x\(newHeight)")
    precondition(width > 0 && height > 0, "Cannot resize an empty \(width)x\(height) image")
    var source = self
    if antialiased {
      while source.width >= 2 * newWidth && source.width > 1 {
        source = source.halved(horizontally: true)
      }
      while source.height >= 2 * newHeight && source.height > 1 {
        source = source.halved(horizontally: false)
      }
    }
    return source.resampled(
      width: newWidth, height: newHeight,
      scaleX: Float(newWidth) / Float(source.width),
      scaleY: Float(newHeight) / Float(source.height),
      originX: 0, originY: 0)
  }

  /// The `width × height` window at `(originX, originY)` of this image scaled by `(scaleX,
  /// scaleY)`, by bilinear interpolation with half-pixel centres and border clamping.
  ///
  /// Output pixel `(y, x)` samples the input at `((x + originX + 0.5) / scaleX − 0.5, …)`. This is
  /// a resize and a crop in one pass: the loader uses it to cut training crops.
  func resampled(
    width newWidth: Int, height newHeight: Int, scaleX: Float, scaleY: Float, originX: Float,
    originY: Float
  ) -> Image {
    // Horizontal taps are the same for every row: compute them once.
    var left = [Int](repeating: 0, count: newWidth)
    var right = [Int](repeating: 0, count: newWidth)
    var rightWeight = [Float](repeating: 0, count: newWidth)
    for x in 0..<newWidth {
      let position = min(max((Float(x) + originX + 0.5) / scaleX - 0.5, 0), Float(width - 1))
      let base = min(Int(position), width - 1)
      left[x] = base * channels
      right[x] = min(base + 1, width - 1) * channels
      rightWeight[x] = position - Float(base)
    }
    var values = [Float](repeating: 0, count: newWidth * newHeight * channels)
    let c = channels
    pixels.withUnsafeBufferPointer { input in
      values.withUnsafeMutableBufferPointer { output in
        for y in 0..<newHeight {
          let position = min(max((Float(y) + originY + 0.5) / scaleY - 0.5, 0), Float(height - 1))
          let top = min(Int(position), height - 1)
          let bottom = min(top + 1, height - 1)
          let bottomWeight = position - Float(top)
          let topRow = top * width * c
          let bottomRow = bottom * width * c
          var target = y * newWidth * c
          for x in 0..<newWidth {
            let wx = rightWeight[x]
            for channel in 0..<c {
              let upper =
                input[topRow + left[x] + channel]
                + wx * (input[topRow + right[x] + channel] - input[topRow + left[x] + channel])
              let lower =
                input[bottomRow + left[x] + channel]
                + wx
                * (input[bottomRow + right[x] + channel] - input[bottomRow + left[x] + channel])
              output[target] = upper + bottomWeight * (lower - upper)
              target += 1
            }
          }
        }
      }
    }
    return Image(width: newWidth, height: newHeight, channels: channels, pixels: values)
  }

  /// The image with its width (or height) halved by averaging pairs of pixels; an odd last pixel
  /// is averaged with itself.
  func halved(horizontally: Bool) -> Image {
    let newWidth = horizontally ? (width + 1) / 2 : width
    let newHeight = horizontally ? height : (height + 1) / 2
    var values = [Float](repeating: 0, count: newWidth * newHeight * channels)
    for y in 0..<newHeight {
      for x in 0..<newWidth {
        let (x0, y0) = horizontally ? (2 * x, y) : (x, 2 * y)
        let (x1, y1) =
          horizontally ? (min(2 * x + 1, width - 1), y) : (x, min(2 * y + 1, height - 1))
        for channel in 0..<channels {
          values[(y * newWidth + x) * channels + channel] =
            0.5 * (self[y0, x0, channel] + self[y1, x1, channel])
        }
      }
    }
    return Image(width: newWidth, height: newHeight, channels: channels, pixels: values)
  }

  /// The image resized by nearest-neighbour sampling with half-pixel centres, for masks and
  /// labels: output pixel `x` takes input pixel `⌊(x + 0.5) · W / width⌋`.
  public func resizedNearest(width newWidth: Int, height newHeight: Int) -> Image {
    resampledNearest(
      width: newWidth, height: newHeight, scaleX: Float(newWidth) / Float(width),
      scaleY: Float(newHeight) / Float(height), originX: 0, originY: 0)
  }

  /// A disparity map resized to `width × height`: nearest-neighbour sampling (so unknown pixels
  /// stay unknown and no value is blended across a depth edge), with values multiplied by the
  /// width ratio `width / W`, since disparity is measured in pixels along x.
  public func resizedDisparity(width newWidth: Int, height newHeight: Int) -> Image {
    var map = resizedNearest(width: newWidth, height: newHeight)
    let ratio = Float(newWidth) / Float(width)
    for index in map.pixels.indices { map.pixels[index] *= ratio }
    return map
  }

  /// Nearest-neighbour version of ``resampled(width:height:scaleX:scaleY:originX:originY:)``.
  func resampledNearest(
    width newWidth: Int, height newHeight: Int, scaleX: Float, scaleY: Float, originX: Float,
    originY: Float
  ) -> Image {
    precondition(newWidth > 0 && newHeight > 0, "Cannot resize to \(newWidth)x\(newHeight)")
    let columns = (0..<newWidth).map { x in
      min(max(Int(((Float(x) + originX + 0.5) / scaleX).rounded(.down)), 0), width - 1)
    }
    var values = [Float](repeating: 0, count: newWidth * newHeight * channels)
    for y in 0..<newHeight {
      let row = min(max(Int(((Float(y) + originY + 0.5) / scaleY).rounded(.down)), 0), height - 1)
      for x in 0..<newWidth {
        for channel in 0..<channels {
          values[(y * newWidth + x) * channels + channel] = self[row, columns[x], channel]
        }
      }
    }
    return Image(width: newWidth, height: newHeight, channels: channels, pixels: values)
  }
}
