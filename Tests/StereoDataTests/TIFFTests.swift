import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Writes TIFF files with OpenCV and, beside each, the array it wrote.
///
/// argv = folder. Each case is `name.tif` + `name.raw`, the raw little-endian samples in RGB order
/// without alpha.
private let writeScript = """
  import cv2, sys, numpy as np
  folder = sys.argv[1]
  rng = np.random.default_rng(7)
  def save(name, stored, expected):
      assert cv2.imwrite(f"{folder}/{name}.tif", stored)
      np.ascontiguousarray(expected).astype(expected.dtype.newbyteorder("<")).tofile(
          f"{folder}/{name}.raw")
  rgb8 = rng.integers(0, 256, (23, 37, 3), dtype=np.uint8)
  save("rgb8", rgb8[..., ::-1], rgb8)  # cv2 takes BGR and stores RGB
  grey8 = rng.integers(0, 256, (23, 37), dtype=np.uint8)
  save("grey8", grey8, grey8)
  grey16 = rng.integers(0, 65536, (45, 61), dtype=np.uint16)
  save("grey16", grey16, grey16)
  rgb16 = rng.integers(0, 65536, (9, 11, 3), dtype=np.uint16)
  save("rgb16", rgb16[..., ::-1], rgb16)
  rgba8 = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
  save("rgba8", rgba8[..., [2, 1, 0, 3]], rgba8[..., :3])
  float32 = (rng.standard_normal((13, 17)) * 100).astype(np.float32)
  float32[0, 0], float32[3, 4] = np.inf, 0.1
  save("float32", float32, float32)
  """

@Suite("TIFF input") struct TIFFTests {
  /// Debian's interpreter, whose `cv2` (python3-opencv) writes TIFF through libtiff.
  static let python = DebianPython.path

  static let hasOpenCV = DebianPython.hasOpenCV

  /// One file written by cv2: its size, channels after dropping alpha, and sample type.
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var width: Int
    var height: Int
    var channels: Int
    /// 8 or 16 (unsigned), 32 (float).
    var bitDepth: Int
    var testDescription: String { name }
  }

  static let cases = [
    Case(name: "rgb8", width: 37, height: 23, channels: 3, bitDepth: 8),
    Case(name: "grey8", width: 37, height: 23, channels: 1, bitDepth: 8),
    Case(name: "grey16", width: 61, height: 45, channels: 1, bitDepth: 16),
    Case(name: "rgb16", width: 11, height: 9, channels: 3, bitDepth: 16),
    Case(name: "rgba8", width: 5, height: 7, channels: 3, bitDepth: 8),
    Case(name: "float32", width: 17, height: 13, channels: 1, bitDepth: 32),
  ]

  /// The little-endian samples of a `.raw` file, as floats.
  static func rawSamples(_ data: Data, bitDepth: Int) -> [Float] {
    let size = bitDepth / 8
    return data.withUnsafeBytes { raw in
      (0..<(data.count / size)).map { index -> Float in
        let offset = index * size
        switch bitDepth {
        case 8: return Float(raw[offset])
        case 16:
          return Float(
            UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        default:
          return Float(
            bitPattern: UInt32(
              littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
          )
        }
      }
    }
  }

  @Test(
    "Files written by cv2.imwrite decode to the arrays it wrote",
    .enabled(if: hasOpenCV, "/usr/bin/python3 with cv2 (python3-opencv) not found; skipped"))
  func openCVFiles() throws {
    let folder = try TemporaryFolder()
    _ = try PythonInterpreter.runScript(
      writeScript, command: [Self.python], arguments: [folder.url.path])
    for item in Self.cases {
      let url = folder.file("\(item.name).tif")
      let expected = Self.rawSamples(
        try Data(contentsOf: folder.file("\(item.name).raw")), bitDepth: item.bitDepth)
      let data = try Data(contentsOf: url)
      #expect(ImageIO.fileFormat(of: data) == .tiff, "\(item.name)")
      let samples = try ImageIO.decodeSamples(data, url: url)
      #expect(samples.bitDepth == item.bitDepth, "\(item.name)")
      #expect(
        samples.image.width == item.width && samples.image.height == item.height
          && samples.image.channels == item.channels, "\(item.name)")
      #expect(samples.image.pixels == expected, "\(item.name): samples differ from cv2's array")
      // Integers scale to [0, 1]; floats keep their values (as PFM does).
      let scale: Float = [8: 255, 16: 65535, 32: 1][item.bitDepth]!
      #expect(try ImageIO.read(url).pixels == expected.map { $0 / scale }, "\(item.name)")
    }
  }

  @Test(
    "Truncated cv2 files throw one-line errors naming the file",
    .enabled(if: hasOpenCV, "/usr/bin/python3 with cv2 (python3-opencv) not found; skipped"),
    arguments: [0.1, 0.5, 0.95])
  func truncatedOpenCVFile(fraction: Double) throws {
    let folder = try TemporaryFolder()
    _ = try PythonInterpreter.runScript(
      writeScript, command: [Self.python], arguments: [folder.url.path])
    let data = try Data(contentsOf: folder.file("rgb8.tif"))
    try expectError(
      data.prefix(Int(Double(data.count) * fraction)), name: "cut.tif", in: folder,
      containing: "corrupt TIFF file")
  }

  /// A big-endian ("MM") 3×2 16-bit grey file, uncompressed, one strip, laid out by hand after
  /// TIFF 6.0: header, 10 IFD entries at offset 8 (SHORT values left-justified in their 4
  /// bytes), then the samples 1 2 3 / 256 4660 65535 at offset 134.
  static func handMadeGrey16(orientation: UInt16) -> Data {
    var bytes: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 10]
    func entry(_ tag: UInt16, short value: UInt16) {
      bytes += [UInt8(tag >> 8), UInt8(tag & 0xFF), 0, 3, 0, 0, 0, 1]
      bytes += [UInt8(value >> 8), UInt8(value & 0xFF), 0, 0]
    }
    func entry(_ tag: UInt16, long value: UInt32) {
      bytes += [UInt8(tag >> 8), UInt8(tag & 0xFF), 0, 4, 0, 0, 0, 1]
      bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF)]
      bytes += [UInt8(value & 0xFF)]
    }
    entry(256, short: 3)  // ImageWidth
    entry(257, short: 2)  // ImageLength
    entry(258, short: 16)  // BitsPerSample
    entry(259, short: 1)  // Compression: none
    entry(262, short: 1)  // PhotometricInterpretation: BlackIsZero
    entry(273, long: 134)  // StripOffsets
    entry(274, short: orientation)
    entry(277, short: 1)  // SamplesPerPixel
    entry(278, short: 2)  // RowsPerStrip
    entry(279, long: 12)  // StripByteCounts
    bytes += [0, 0, 0, 0]  // no next IFD
    #expect(bytes.count == 134)
    for value: UInt16 in [1, 2, 3, 256, 4660, 65535] {
      bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }
    return Data(bytes)
  }

  @Test("A hand-made big-endian 16-bit file: exact samples; orientation 3 turns it 180°")
  func handMade() throws {
    let folder = try TemporaryFolder()
    for (orientation, expected): (UInt16, [Float]) in [
      (1, [1, 2, 3, 256, 4660, 65535]), (3, [65535, 4660, 256, 3, 2, 1]),
      (4, [256, 4660, 65535, 1, 2, 3]),
    ] {
      let url = folder.file("hand\(orientation).tif")
      try Self.handMadeGrey16(orientation: orientation).write(to: url)
      let samples = try ImageIO.decodeSamples(try Data(contentsOf: url), url: url)
      #expect(samples.bitDepth == 16 && samples.image.channels == 1)
      #expect(samples.image.width == 3 && samples.image.height == 2)
      #expect(samples.image.pixels == expected, "orientation \(orientation)")
    }
  }

  @Test("Truncated pixels, a cut header and a foreign file are one-line errors naming the file")
  func corrupt() throws {
    let folder = try TemporaryFolder()
    let file = Self.handMadeGrey16(orientation: 1)
    try expectError(file.dropLast(4), name: "short.tif", in: folder, containing: "corrupt TIFF")
    try expectError(file.prefix(30), name: "header.tif", in: folder, containing: "corrupt TIFF")
    try expectError(
      Data("hello, world".utf8), name: "text.tif", in: folder, containing: "not a TIFF file")
    try expectError(
      Self.handMadeGrey16(orientation: 6), name: "rotated.tif", in: folder,
      containing: "orientation 6")
    var odd = file
    odd[43] = 7  // BitsPerSample (the third entry's value) 7: not 8 or 16, nor for libtiff's RGBA
    try expectError(odd, name: "odd.tif", in: folder, containing: "unsupported TIFF file")
  }

  private func expectError(
    _ data: Data, name: String, in folder: TemporaryFolder, containing text: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let url = folder.file(name)
    try data.write(to: url)
    do {
      _ = try ImageIO.read(url)
      Issue.record("reading \(name) did not throw", sourceLocation: sourceLocation)
    } catch let error as StereoDataError {
      #expect(error.description.hasPrefix(url.path), "\(error)", sourceLocation: sourceLocation)
      #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
      #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    }
  }
}
