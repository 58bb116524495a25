import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Corrupt, truncated and foreign files throw one-line errors naming the file; nothing exits.
@Suite("Corrupt files") struct CorruptFileTests {
  private func written(_ image: Image, as name: String, in folder: TemporaryFolder) throws -> Data {
    let url = folder.file(name)
    if name.hasSuffix(".png") {
      try ImageIO.writePNG(image, to: url)
    } else {
      try ImageIO.writeJPEG(image, to: url)
    }
    return try Data(contentsOf: url)
  }

  private func expectError(
    _ data: Data, name: String, in folder: TemporaryFolder, containing text: String
  ) throws {
    let url = folder.file(name)
    try data.write(to: url)
    do {
      _ = try ImageIO.read(url)
      Issue.record("reading \(name) did not throw")
    } catch let error as StereoDataError {
      #expect(error.description.hasPrefix(url.path), "\(error)")
      #expect(error.description.contains(text), "\(error)")
      #expect(!error.description.contains("\n"))
    }
  }

  @Test("Truncated PNG files throw", arguments: [0.3, 0.6, 0.95])
  func truncatedPNG(fraction: Double) throws {
    let folder = try TemporaryFolder()
    let data = try written(TestImages.pattern(width: 64, height: 48), as: "full.png", in: folder)
    try expectError(
      data.prefix(Int(Double(data.count) * fraction)), name: "cut.png", in: folder,
      containing: "PNG")
  }

  @Test(
    "Truncated JPEG files throw instead of exiting or filling with grey",
    arguments: [0.2, 0.5, 0.9])
  func truncatedJPEG(fraction: Double) throws {
    let folder = try TemporaryFolder()
    let data = try written(TestImages.pattern(width: 64, height: 48), as: "full.jpg", in: folder)
    try expectError(
      data.prefix(Int(Double(data.count) * fraction)), name: "cut.jpg", in: folder,
      containing: "JPEG")
  }

  @Test("Corrupted PNG pixel data throws")
  func corruptPNG() throws {
    let folder = try TemporaryFolder()
    var data = try written(TestImages.pattern(width: 64, height: 48), as: "full.png", in: folder)
    for index in stride(from: 60, to: data.count - 20, by: 7) { data[index] ^= 0x5A }
    try expectError(data, name: "bad.png", in: folder, containing: "PNG")
  }

  @Test("Corrupted JPEG data throws")
  func corruptJPEG() throws {
    let folder = try TemporaryFolder()
    var data = try written(TestImages.pattern(width: 64, height: 48), as: "full.jpg", in: folder)
    for index in stride(from: 2, to: 200, by: 3) { data[index] = 0xFF }
    try expectError(data, name: "bad.jpg", in: folder, containing: "JPEG")
  }

  @Test("Files that are not images throw")
  func notImages() throws {
    let folder = try TemporaryFolder()
    try expectError(
      Data("hello, world".utf8), name: "text.png", in: folder, containing: "not a PNG file")
    try expectError(
      Data("hello, world".utf8), name: "text.jpg", in: folder, containing: "not a JPEG file")
    try expectError(
      Data("Pf\n4 4\n-1\n".utf8) + Data(count: 10), name: "short.pfm", in: folder,
      containing: "truncated")
    try expectError(Data(), name: "empty.png", in: folder, containing: "empty")
    #expect(throws: StereoDataError.self) {
      try ImageIO.read(folder.url.appendingPathComponent("absent.png"))
    }
    #expect(throws: StereoDataError.self) { try ImageIO.read(folder.url) }
  }
}
