import Foundation
import StereoData
import Testing
import _StereoTestSupport

/// `.npy` files and millimetre depth PNGs, checked by hand
/// (PredictionWriterTests reads them with NumPy).
@Suite("NumPyArray and millimetre depth PNGs")
struct NumPyArrayTests {
  @Test("The header is NumPy's v1.0 layout, padded to 64 bytes, by hand")
  func header() throws {
    let image = Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, .infinity])
    let data = NumPyArray.encode(image)
    #expect(Array(data.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
    #expect(header.hasSuffix("\n"))
    #expect(data.count == 10 + headerLength + 6 * 4)
    // The fourth value, 3.0 = 0x40400000, little-endian.
    let offset = 10 + headerLength + 3 * 4
    #expect(Array(data[offset..<(offset + 4)]) == [0x00, 0x00, 0x40, 0x40])
  }

  @Test("Depth PNG: round(Z·1000) mm in 16 bits, 0 for unknown, non-positive or beyond 65.535 m")
  func millimetres() throws {
    let folder = try TemporaryFolder()
    let depth = Image(
      width: 6, height: 1, channels: 1, pixels: [1.2344, 0.0005, 65.535, 70, .infinity, -1])
    let url = folder.file("depth.png")
    try ImageIO.writeDepthMillimetres(depth, to: url)
    // ImageIO.read scales 16-bit samples by 1/65535, exactly invertible.
    let read = try ImageIO.read(url)
    let samples = read.pixels.map { Int(($0 * 65535).rounded()) }
    #expect(samples == [1234, 1, 65535, 0, 0, 0])
  }
}
