import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoData

@Suite("Image files") struct ImageIOTests {
  @Test("8-bit PNG round-trips exactly", arguments: [1, 3])
  func png8RoundTrip(channels: Int) throws {
    let folder = try TemporaryFolder()
    let image = TestImages.pattern(width: 17, height: 9, channels: channels)
    let url = folder.file("image.png")
    try ImageIO.writePNG(image, to: url, bitDepth: 8)
    let read = try ImageIO.read(url)
    #expect(read == image)
  }

  @Test("8-bit PNG quantization: clamped to [0, 1], ×255, half up; unknown is 0 (by hand)")
  func png8Quantization() throws {
    let folder = try TemporaryFolder()
    let values: [Float] = [-0.1, 0, 0.49 / 255, 0.5 / 255, 100.4 / 255, 100.6 / 255, 1, 1.2, .nan]
    let expected: [Float] = [0, 0, 0, 1, 100, 101, 255, 255, 0]
    let url = folder.file("q.png")
    try ImageIO.writePNG(
      Image(width: values.count, height: 1, channels: 1, pixels: values), to: url, bitDepth: 8)
    let samples = try ImageIO.decodeSamples(try Data(contentsOf: url), url: url)
    #expect(samples.image.pixels == expected)
  }

  @Test("16-bit PNG round-trips exactly", arguments: [1, 3])
  func png16RoundTrip(channels: Int) throws {
    let folder = try TemporaryFolder()
    var image = Image(width: 11, height: 7, channels: channels)
    for index in image.pixels.indices {
      image.pixels[index] = Float((index * 2_741) % 65_536) / 65_535
    }
    let url = folder.file("image16.png")
    try ImageIO.writePNG(image, to: url, bitDepth: 16)
    let read = try ImageIO.read(url)
    #expect(read == image)
    let samples = try ImageIO.decodeSamples(try Data(contentsOf: url), url: url)
    #expect(samples.bitDepth == 16)
    #expect(samples.image.pixels[5] == Float((5 * 2_741) % 65_536))
  }

  @Test("Grey files read as colour repeat the channel")
  func greyAsColor() throws {
    let folder = try TemporaryFolder()
    let grey = TestImages.pattern(width: 5, height: 4, channels: 1)
    let url = folder.file("grey.png")
    try ImageIO.writePNG(grey, to: url)
    let color = try ImageIO.readColor(url)
    #expect(color.channels == 3)
    #expect(color[2, 3, 0] == grey[2, 3, 0] && color[2, 3, 2] == grey[2, 3, 0])
  }

  @Test("PFM round-trips bit-exactly, unknown values included", arguments: [1, 3])
  func pfmRoundTrip(channels: Int) throws {
    let folder = try TemporaryFolder()
    var map = Image(width: 6, height: 5, channels: channels)
    for index in map.pixels.indices { map.pixels[index] = Float(index) * 0.37 - 3 }
    map.pixels[4] = .infinity
    let url = folder.file("map.pfm")
    try ImageIO.writePFM(map, to: url)
    let read = try ImageIO.read(url)
    #expect(read == map)
  }

  @Test("PFM rows are stored bottom to top, little endian for a negative scale")
  func pfmLayout() throws {
    let folder = try TemporaryFolder()
    // Written by hand: 2x2, big endian (scale +1), bottom row [3, 4] first.
    var data = Data("Pf\n2 2\n1.0\n".utf8)
    for value: Float in [3, 4, 1, 2] {
      withUnsafeBytes(of: value.bitPattern.bigEndian) { data.append(contentsOf: $0) }
    }
    let url = folder.file("handmade.pfm")
    try data.write(to: url)
    let map = try ImageIO.read(url)
    #expect(map.pixels == [1, 2, 3, 4])
    let encoded = PFM.encode(map)
    #expect(encoded.prefix(10) == Data("Pf\n2 2\n-1\n".utf8))
    #expect(encoded.count == 10 + 16)
    #expect(Array(encoded[10..<14]) == [0, 0, 0x40, 0x40])  // 3.0 (bottom-left) little endian
  }

  @Test("KITTI disparity: value / 256, 0 is unknown")
  func kittiDisparity() throws {
    let folder = try TemporaryFolder()
    var map = Image(width: 4, height: 2, channels: 1)
    map.pixels = [0.5, 1, 100.25, .infinity, 255.99609375, 0, -3, 12]
    let url = folder.file("disp.png")
    try ImageIO.writeKITTIDisparity(map, to: url)
    let read = try ImageIO.readDisparity(url, encoding: .kitti)
    #expect(read.pixels == [0.5, 1, 100.25, .infinity, 255.99609375, .infinity, .infinity, 12])
  }

  @Test("A KITTI map must be 16-bit")
  func kittiNeeds16Bit() throws {
    let folder = try TemporaryFolder()
    let url = folder.file("disp8.png")
    try ImageIO.writePNG(TestImages.pattern(width: 3, height: 3, channels: 1), to: url)
    #expect(throws: StereoDataError.self) { try ImageIO.readDisparity(url, encoding: .kitti) }
  }

  @Test("Masks: 1 where the value is 255")
  func masks() throws {
    let folder = try TemporaryFolder()
    let url = folder.file("mask0nocc.png")
    try ImageIO.writePNG(
      Image(width: 3, height: 1, channels: 1, pixels: [1, 128.0 / 255, 0]), to: url)
    #expect(try ImageIO.readMask(url).pixels == [1, 0, 0])
  }

  @Test("JPEG written by our writer decodes within tolerance")
  func jpegRoundTrip() throws {
    let folder = try TemporaryFolder()
    let image = TestImages.smooth(width: 40, height: 24)
    let url = folder.file("smooth.jpg")
    try ImageIO.writeJPEG(image, to: url, quality: 95)
    let read = try ImageIO.read(url)
    #expect(read.width == 40 && read.height == 24 && read.channels == 3)
    let worst = zip(read.pixels, image.pixels).map { abs($0 - $1) }.max() ?? 1
    #expect(worst < 6.0 / 255, "largest JPEG error \(worst * 255) levels")
    let grey = TestImages.smooth(width: 16, height: 8).cropped(x: 0, y: 0, width: 16, height: 8)
    let greyURL = folder.file("grey.jpeg")
    try ImageIO.writeJPEG(
      Image(
        width: 16, height: 8, channels: 1,
        pixels: stride(from: 0, to: grey.pixels.count, by: 3).map { grey.pixels[$0] }), to: greyURL)
    #expect(try ImageIO.read(greyURL).channels == 1)
  }

  @Test("Writes are atomic: no temporary file is left behind")
  func atomicWrite() throws {
    let folder = try TemporaryFolder()
    let url = folder.file("out.png")
    try ImageIO.writePNG(TestImages.pattern(width: 4, height: 4), to: url)
    try ImageIO.writePNG(TestImages.pattern(width: 5, height: 5), to: url)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
    #expect(names == ["out.png"])
    #expect(try ImageIO.read(url).width == 5)
    #expect(throws: StereoDataError.self) {
      try ImageIO.writePNG(
        TestImages.pattern(width: 4, height: 4),
        to: folder.url.appendingPathComponent("missing/out.png"))
    }
  }
}
