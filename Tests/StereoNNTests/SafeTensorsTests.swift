import Foundation
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("safetensors")
struct SafeTensorsTests {
  /// The 8-byte little-endian length, built byte by byte.
  static func littleEndian(_ value: Int) -> [UInt8] {
    (0..<8).map { UInt8((value >> (8 * $0)) & 0xFF) }
  }

  /// A file laid out by hand: length, JSON header padded with spaces, then the data.
  static func file(header: String, data: [UInt8]) -> Data {
    var json = Array(header.utf8)
    while (8 + json.count) % 8 != 0 { json.append(0x20) }
    return Data(littleEndian(json.count) + json + data)
  }

  // IEEE 754 binary32, little endian: 1.5 = 0x3FC00000, −2 = 0xC0000000, 0.25 = 0x3E800000,
  // 3 = 0x40400000, 1 = 0x3F800000, 0.5 = 0x3F000000.
  static let bytes: [Float: [UInt8]] = [
    1.5: [0, 0, 0xC0, 0x3F], -2: [0, 0, 0, 0xC0], 0.25: [0, 0, 0x80, 0x3E], 3: [0, 0, 0x40, 0x40],
    1: [0, 0, 0x80, 0x3F], 0.5: [0, 0, 0, 0x3F],
  ]

  @Test("Reads a file built byte by byte")
  func readsHandBuiltFile() throws {
    // "b" is stored first although listed last: the order follows the data offsets.
    let header = """
      {"__metadata__":{"format":"pt","step":"7"},\
      "a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},\
      "b":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}
      """
    let data = [Float(0.25), 3, 1.5, -2].flatMap { Self.bytes[$0]! }
    let decoded = try SafeTensors.decode(Self.file(header: header, data: data))
    #expect(decoded.order == ["b", "a"])
    #expect(decoded.metadata == ["format": "pt", "step": "7"])
    let a = try #require(decoded.tensors["a"])
    let b = try #require(decoded.tensors["b"])
    #expect(a.shape == [2] && a.scalars == [1.5, -2])
    #expect(b.shape == [1, 2] && b.scalars == [0.25, 3])
  }

  @Test("Writes the documented layout, byte for byte")
  func writesFormat() throws {
    let encoded = SafeTensors.encode(
      [("w", Tensor(shape: [1, 2], scalars: [1, -2])), ("b", Tensor([0.5]))],
      metadata: ["format": "pt"])
    let bytes = [UInt8](encoded)
    let length = try #require(bytes.count >= 8 ? bytes[0..<8] : nil)
      .enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect((8 + length) % 8 == 0, "the data starts 8-byte aligned")
    #expect(bytes.count == 8 + length + 12, "three floats follow the header")

    let header = Array(bytes[8..<(8 + length)])
    let json = try #require(header.lastIndex(of: UInt8(ascii: "}")))
    #expect(header[(json + 1)...].allSatisfy { $0 == 0x20 }, "the header is padded with spaces")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(header[...json])) as? [String: Any])
    #expect(Set(object.keys) == ["__metadata__", "w", "b"])
    // The checksum over "b\0" "1\0" 0.5 "w\0" "1,2\0" 1 −2 "format\0" "pt\0" (the canonical
    // order, SafeTensors' discussion), from Python: zlib.crc32(b'b\x001\x00'
    // + struct.pack('<f', 0.5) + b'w\x001,2\x00' + struct.pack('<2f', 1, -2)
    // + b'format\x00pt\x00') → 0x1734a60d.
    #expect(object["__metadata__"] as? [String: String] == ["format": "pt", "crc32": "1734a60d"])
    let w = try #require(object["w"] as? [String: Any])
    #expect(w["dtype"] as? String == "F32")
    #expect(w["shape"] as? [Int] == [1, 2])
    #expect(w["data_offsets"] as? [Int] == [0, 8])
    let b = try #require(object["b"] as? [String: Any])
    #expect(b["dtype"] as? String == "F32")
    #expect(b["shape"] as? [Int] == [1])
    #expect(b["data_offsets"] as? [Int] == [8, 12])

    let payload = Array(bytes[(8 + length)...])
    #expect(payload == [Float(1), -2, 0.5].flatMap { Self.bytes[$0]! })
  }

  @Test(
    "Rejects malformed files with a message naming the problem",
    arguments: [
      (#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, 4, "only F32"),
      (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, "truncated"),
      (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, "wrong size"),
      (
        #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
          + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, "overlap"
      ),
      (#"{"a": nonsense"#, 0, "unreadable"),
    ])
  func rejects(header: String, dataBytes: Int, message: String) {
    let file = Self.file(header: header, data: [UInt8](repeating: 0, count: dataBytes))
    #expect {
      try SafeTensors.decode(file, name: "bad.safetensors")
    } throws: { error in
      let text = "\(error)"
      return text.contains(message) && text.contains("bad.safetensors")
    }
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(Data([1, 2, 3])) }
  }

  @Test("Round trip through a file, non-finite values refused")
  func roundTrip() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-safetensors-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let tensor = randomTensor([2, 3, 4], seed: 9)
    try SafeTensors.write([("x", tensor)], metadata: [:], to: url)
    let read = try SafeTensors.read(from: url)
    #expect(read.tensors["x"]?.scalars == tensor.scalars && read.metadata.isEmpty)

    let infinite = SafeTensors.encode([("x", Tensor([1, .infinity]))], metadata: [:])
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(infinite) }
  }

  static let hasPythonSafeTensors = PythonInterpreter.imports("numpy, safetensors")

  @Test(
    "Python's safetensors package reads our files and we read its files",
    .enabled(
      if: hasPythonSafeTensors,
      "Python with numpy and safetensors not found (scripts/setup.sh makes a venv with them)"))
  func python() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-safetensors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ours = directory.appendingPathComponent("ours.safetensors")
    let theirs = directory.appendingPathComponent("theirs.safetensors")
    let tensor = Tensor(shape: [2, 3], scalars: [0.5, -1, 2.25, 1e-3, -7, 3])
    try SafeTensors.write([("w", tensor)], metadata: ["source": "wnet"], to: ours)

    let script = """
      import json, sys, zlib
      import numpy as np
      from safetensors import safe_open
      from safetensors.numpy import save_file
      with safe_open(sys.argv[1], framework="np") as f:
          w = f.get_tensor("w")
          # The canonical CRC-32: name, shape, data; then metadata entries but the checksum.
          canonical = b"w\\x00" + b"2,3\\x00" + w.astype("<f4").tobytes()
          for key, value in sorted(f.metadata().items()):
              if key != "crc32":
                  canonical += key.encode() + b"\\x00" + value.encode() + b"\\x00"
          report = {"shape": list(w.shape), "dtype": str(w.dtype),
                    "values": w.ravel().tolist(), "metadata": f.metadata(),
                    "crc32": "%08x" % zlib.crc32(canonical)}
      x = (np.arange(12, dtype=np.float32).reshape(3, 4) * 0.25 - 1).astype(np.float32)
      save_file({"x": x, "y": np.array([1e30, -0.0], dtype=np.float32)}, sys.argv[2],
                metadata={"from": "python"})
      print(json.dumps(report))
      """
    let output = try PythonInterpreter.runScript(script, arguments: [ours.path, theirs.path])
    let report = try #require(
      try JSONSerialization.jsonObject(with: output) as? [String: Any], "\(output)")
    #expect(report["shape"] as? [Int] == [2, 3])
    #expect(report["dtype"] as? String == "float32")
    #expect((report["values"] as? [Double])?.map(Float.init) == tensor.scalars)
    // Python sees the metadata with the checksum, which it recomputes with zlib.
    let metadata = report["metadata"] as? [String: String]
    #expect(metadata?["source"] == "wnet" && metadata?.count == 2)
    #expect(metadata?["crc32"] == report["crc32"] as? String, "\(report)")

    let read = try SafeTensors.read(from: theirs)
    #expect(read.metadata == ["from": "python"])
    let x = try #require(read.tensors["x"])
    #expect(x.shape == [3, 4])
    #expect(x.scalars == (0..<12).map { Float($0) * 0.25 - 1 })
    #expect(read.tensors["y"]?.scalars == [1e30, -0.0])
  }
}
