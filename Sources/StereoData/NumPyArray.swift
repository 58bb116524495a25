import Foundation

/// NumPy's `.npy` format (version 1.0) for float32 maps, readable by `numpy.load`.
///
/// Layout: the magic `\x93NUMPY`, version bytes `1 0`, a little-endian `UInt16` header length,
/// then an ASCII header `{'descr': '<f4', 'fortran_order': False, 'shape': (H, W), }` padded with
/// spaces and ended by `\n` so that the data starts at a multiple of 64 bytes, then the values
/// as little-endian float32 in C order. A 1-channel image has shape `(H, W)`, a 3-channel one
/// `(H, W, 3)`. Non-finite values (unknown disparity, `inf`) are stored as they are.
public enum NumPyArray {
  /// The `.npy` bytes of `image`.
  public static func encode(_ image: Image) -> Data {
    let shape =
      image.channels == 1
      ? "(\(image.height), \(image.width))" : "(\(image.height), \(image.width), \(image.channels))"
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    data.reserveCapacity(data.count + 4 * image.pixels.count)
    image.pixels.withUnsafeBufferPointer { values in
      for value in values {
        let bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
      }
    }
    return data
  }

  /// Writes `image` as a `.npy` file, atomically.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  public static func write(_ image: Image, to url: URL) throws {
    try FileContents.write(encode(image), to: url)
  }
}
