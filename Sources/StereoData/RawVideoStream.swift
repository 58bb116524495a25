import Foundation

/// Packed stereo frames as raw 8-bit RGB (`ffmpeg -f rawvideo -pix_fmt rgb24 -`), read one at a
/// time from a file handle such as standard input.
///
/// Each frame is `width · height · 3` bytes, row-major, no header: what ffmpeg writes for the
/// `rawvideo` format with `rgb24` pixels. The views are packed as `layout` says (two cameras
/// become one side-by-side stream with ffmpeg's `hstack` filter).
public final class RawFrameReader {
  /// The packed frame's size.
  public let width: Int
  public let height: Int
  /// How the two views are packed.
  public let layout: StereoVideoLayout
  /// Frames returned so far.
  public private(set) var frameCount = 0
  private let handle: FileHandle
  private let name: String

  /// Creates a reader of `width × height` frames from `handle` (`name` labels errors).
  ///
  /// - Throws: ``StereoDataError`` when the size is not positive or does not split into two
  ///   views for `layout`.
  public init(
    handle: FileHandle, width: Int, height: Int, layout: StereoVideoLayout,
    name: String = "standard input"
  ) throws {
    guard (1...1 << 16).contains(width), (1...1 << 16).contains(height),
      width * height <= 1 << 28
    else {
      throw StereoDataError(.invalidRequest, path: name, "bad frame size \(width)x\(height)")
    }
    try layout.validate(frameWidth: width, frameHeight: height, path: name)
    self.handle = handle
    self.width = width
    self.height = height
    self.layout = layout
    self.name = name
  }

  /// The next frame, or `nil` at the end of the stream.
  ///
  /// - Throws: ``StereoDataError`` when the stream ends inside a frame (the size is wrong, or the
  ///   writer stopped mid-frame).
  public func next() throws -> VideoFrame? {
    let size = width * height * 3
    var bytes = [UInt8]()
    bytes.reserveCapacity(size)
    while bytes.count < size {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: size - bytes.count)
      } catch {
        throw StereoDataError(.unreadable, path: name, "cannot be read (\(error))")
      }
      guard let chunk, !chunk.isEmpty else { break }
      bytes.append(contentsOf: chunk)
    }
    if bytes.isEmpty { return nil }
    guard bytes.count == size else {
      throw StereoDataError(
        .corrupt, path: name,
        "frame \(frameCount) ends after \(bytes.count) of \(size) bytes; is the frame size "
          + "\(width)x\(height) and the pixel format rgb24?")
    }
    let frame = VideoFrame(
      index: frameCount, time: 0, layout: layout, width: width, height: height, rgb: bytes)
    frameCount += 1
    return frame
  }
}

/// A stream of float32 disparity maps, as `wnet infer --stream -o -` writes them.
///
/// Layout (all little-endian): a 16-byte header, the ASCII magic `WNETDSP1`, the width and the
/// height as `UInt32`; then each frame as `width · height` float32 values, row-major, the left
/// view's disparity in input pixels. Read it in NumPy with
/// `np.frombuffer(data[16:], '<f4').reshape(-1, height, width)`.
public enum RawDisparityStream {
  /// The magic at the start of the stream.
  public static let magic = Array("WNETDSP1".utf8)
  /// The header's size in bytes.
  public static let headerSize = 16

  /// The header for `width × height` frames.
  public static func header(width: Int, height: Int) -> Data {
    var data = Data(magic)
    for value in [UInt32(width), UInt32(height)] {
      withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
    return data
  }

  /// One frame's bytes.
  public static func frame(_ disparity: Image) -> Data {
    precondition(disparity.channels == 1, "A disparity map has 1 channel")
    var data = Data(capacity: disparity.pixels.count * 4)
    disparity.pixels.withUnsafeBufferPointer { values in
      for value in values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    return data
  }
}
