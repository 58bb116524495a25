import Foundation
import StereoData
import Testing
import _StereoTestSupport

/// PPM/PGM input, against hand-built files.
@Suite("NetPBM: PPM and PGM input")
struct NetPBMTests {
  func read(_ bytes: [UInt8], name: String) throws -> Image {
    let folder = try TemporaryFolder()
    let url = folder.file(name)
    try Data(bytes).write(to: url)
    return try ImageIO.read(url)
  }

  @Test("P6 8-bit colour, with a comment: v / 255")
  func binaryColor() throws {
    let image = try read(
      Array("P6\n# a comment\n2 1\n255\n".utf8) + [0, 51, 255, 10, 20, 30], name: "c.ppm")
    #expect(image.width == 2 && image.height == 1 && image.channels == 3)
    #expect(image.pixels == [0, 51, 255, 10, 20, 30].map { Float($0) / 255 })
  }

  @Test("P5 16-bit grey (maxval 1023, big-endian): v / 1023; readColor repeats it")
  func binaryGrey16() throws {
    let image = try read(Array("P5 2 2 1023\n".utf8) + [0, 0, 3, 255, 1, 0, 0, 7], name: "g.pgm")
    #expect(image.channels == 1)
    #expect(image.pixels == [0, 1023, 256, 7].map { Float($0) / 1023 })
  }

  @Test("P2 and P3 text files")
  func text() throws {
    let grey = try read(Array("P2\n3 1\n9\n0 3 9\n".utf8), name: "t.pgm")
    #expect(grey.pixels == [0, 3, 9].map { Float($0) / 9 })
    let color = try read(Array("P3 1 1 100 10 50 100".utf8), name: "t.ppm")
    #expect(color.pixels == [0.1, 0.5, 1])
  }

  @Test("Truncated, bad header and out-of-range samples are one-line errors naming the file")
  func corrupt() throws {
    for (bytes, fragment) in [
      (Array("P6 2 2 255\n".utf8) + [1, 2, 3], "truncated"),
      (Array("P5 x 2 255\n".utf8), "no width"),
      (Array("P2 1 1 5 9".utf8), "exceeds"),
      (Array("P5 1 1 70000 ".utf8), "maximum value"),
    ] {
      do {
        _ = try read(bytes, name: "bad.pgm")
        Issue.record("accepted a file that should fail with '\(fragment)'")
      } catch let error as StereoDataError {
        #expect(error.description.contains(fragment) && error.description.contains("bad.pgm"))
      }
    }
  }
}
