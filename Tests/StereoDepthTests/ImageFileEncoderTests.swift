import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

@Suite("Netpbm and PFM encoders")
struct ImageFileEncoderTests {
  @Test("PFM: little-endian header, rows bottom to top, infinity kept")
  func pfm() throws {
    // 2 wide, 2 high: rows [1, 2] and [3, inf]; the file stores row 1 first.
    let map = Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, .infinity])
    let data = try PFMEncoder().encode(map)
    let header = Data("Pf\n2 2\n-1\n".utf8)
    #expect(data.prefix(header.count) == header)
    let body = [UInt8](data.dropFirst(header.count))
    let values = (0..<4).map { index in
      Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(body[4 * index + $1]) << (8 * $1) })
    }
    #expect(values == [3, .infinity, 1, 2])
    #expect(PFMEncoder().fileExtension(for: map) == "pfm")
  }

  @Test("Netpbm: P5 for grey, P6 for colour, values rounded and clamped")
  func netpbm() throws {
    let grey = Image(width: 3, height: 1, channels: 1, pixels: [0, 0.5, 2])
    #expect(try NetpbmEncoder().encode(grey) == Data("P5\n3 1\n255\n".utf8) + Data([0, 128, 255]))
    let color = Image(width: 1, height: 1, channels: 3, pixels: [1, -1, .nan])
    #expect(try NetpbmEncoder().encode(color) == Data("P6\n1 1\n255\n".utf8) + Data([255, 0, 0]))
    #expect(NetpbmEncoder().fileExtension(for: color) == "ppm")
    #expect(throws: (any Error).self) {
      try NetpbmEncoder().encode(Image(width: 1, height: 1, channels: 2))
    }
  }

  @Test("Writing adds the extension and replaces files atomically")
  func write() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let grey = Image(width: 1, height: 1, channels: 1, pixels: [1])
    let url = try NetpbmEncoder().write(grey, toBase: directory.appendingPathComponent("mask"))
    #expect(url.lastPathComponent == "mask.pgm")
    #expect(try Data(contentsOf: url) == Data("P5\n1 1\n255\n".utf8) + Data([255]))
    // A regular file where a directory should be: the write cannot succeed.
    let blocker = directory.appendingPathComponent("blocker")
    try Data([1]).write(to: blocker)
    #expect(throws: AtomicFile.WriteError.self) {
      try AtomicFile.write(Data(), to: blocker.appendingPathComponent("file"))
    }
  }
}
