import StereoTensor

/// A decoded image or per-pixel map: `height × width × channels` floats, row-major, channels last.
///
/// Colour images decoded from 8- or 16-bit files hold values in [0, 1]. Disparity and depth maps
/// hold values in pixels or metres, with **unknown values stored as non-finite** (`.infinity` or
/// NaN): readers of formats that mark unknown as 0 (KITTI, Middlebury 2001-2003) convert it.
public struct Image: Sendable, Equatable {
  /// Rows.
  public var height: Int
  /// Columns.
  public var width: Int
  /// Values per pixel: 1 (grey or a map) or 3 (RGB).
  public var channels: Int
  /// `height·width·channels` values, index `(y·width + x)·channels + c`.
  public var pixels: [Float]

  /// Creates an image from its pixels.
  public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
    precondition(
      width >= 0 && height >= 0 && channels > 0, "Bad image size \(width)x\(height)x\(channels)")
    precondition(
      pixels.count == width * height * channels,
      "\(pixels.count) values do not fill a \(width)x\(height)x\(channels) image")
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }

  /// Creates an image with every value equal to `value`.
  public init(width: Int, height: Int, channels: Int, repeating value: Float = 0) {
    self.init(
      width: width, height: height, channels: channels,
      pixels: [Float](repeating: value, count: width * height * channels))
  }

  /// The value at row `y`, column `x`, channel `c`.
  @inlinable
  public subscript(y: Int, x: Int, c: Int) -> Float {
    get { pixels[(y * width + x) * channels + c] }
    set { pixels[(y * width + x) * channels + c] = newValue }
  }

  /// The image as a `[1, H, W, C]` tensor.
  public var tensor: Tensor { Tensor(shape: [1, height, width, channels], scalars: pixels) }

  /// The image held by batch element `index` of an `[N, H, W, C]` tensor.
  public init(_ tensor: Tensor, batchIndex index: Int = 0) {
    let (n, h, w, c) = tensor.nhwc("Image.init")
    precondition(index >= 0 && index < n, "Batch index \(index) out of range for \(tensor.shape)")
    let start = index * h * w * c
    // One copy, straight from the tensor's storage.
    let pixels = withExtendedLifetime(tensor) {
      Array(UnsafeBufferPointer(start: tensor.unsafePointer + start, count: h * w * c))
    }
    self.init(width: w, height: h, channels: c, pixels: pixels)
  }
}
