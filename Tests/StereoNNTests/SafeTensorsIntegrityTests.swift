import Foundation
import StereoNN
import StereoTensor
import Testing

/// Damaged checkpoints end in a ``CheckpointError``, never a trap: checksums, sizes that overflow,
/// metadata of the wrong type.
@Suite("safetensors integrity")
struct SafeTensorsIntegrityTests {
  @Test("CRC-32 gives the standard check value and zlib's value")
  func crc32() {
    // 0xCBF43926: the CRC-32/ISO-HDLC check value of "123456789" (the catalogue of parametrised
    // CRC algorithms); 0x29058C73 from Python:
    // python3 -c "import zlib; print(hex(zlib.crc32(bytes(range(256)))))"
    #expect(CRC32.checksum(of: Data("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum(of: Data((0..<256).map { UInt8($0) })) == 0x2905_8C73)
    #expect(CRC32.checksum(of: Data()) == 0)
  }

  @Test("The checksum covers names, shapes, data and metadata in canonical order")
  func checksumRoundTrip() throws {
    let encoded = SafeTensors.encode([("x", Tensor([1.5, -2, 0.25]))], metadata: ["k": "v"])
    #expect(try SafeTensors.decode(encoded).metadata == ["k": "v"])
    // python3 -c "import zlib, struct; print(hex(zlib.crc32(b'x\\x003\\x00'
    //   + struct.pack('<3f', 1.5, -2, 0.25) + b'k\\x00v\\x00')))"   → 0xb48b041
    let header = String(decoding: encoded, as: UTF8.self)
    #expect(header.contains(#""crc32":"0b48b041""#), "\(header.prefix(200))")
  }

  @Test("An edited metadata value is found")
  func editedMetadata() throws {
    var encoded = SafeTensors.encode([("x", Tensor([1.5]))], metadata: ["step": "7"])
    let index = try #require(encoded.firstRange(of: Data(#""step":"7""#.utf8))).upperBound - 2
    encoded[index] = UInt8(ascii: "9")
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(encoded) }
  }

  @Test("Every flipped bit of the data is found", arguments: [0, 5, 11])
  func flippedByte(offset: Int) throws {
    var encoded = SafeTensors.encode([("x", Tensor([1.5, -2, 0.25]))], metadata: [:])
    let index = encoded.count - 12 + offset
    encoded[index] ^= 0x10
    let error = #expect(throws: CheckpointError.self) {
      try SafeTensors.decode(encoded, name: "bad.safetensors")
    }
    #expect(error?.description.contains("CRC-32") == true, "\(String(describing: error))")
    #expect(error?.description.contains("bad.safetensors") == true)
  }

  @Test("A file without a checksum (other tools, older files) is read unchecked")
  func noChecksum() throws {
    let file = SafeTensorsTests.file(
      header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
      data: SafeTensorsTests.bytes[3]!)
    #expect(try SafeTensors.decode(file).tensors["a"]?.scalars == [3])
  }

  @Test(
    "Shapes that overflow or exceed the limit are errors",
    arguments: [
      "[4611686018427387904,4]", "[-1,4]", "[65536,65536,65536]", "[9223372036854775807]",
    ])
  func overflowingShape(shape: String) throws {
    let file = SafeTensorsTests.file(
      header: #"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,16]}}"#,
      data: [UInt8](repeating: 0, count: 16))
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(file) }
  }

  @Test("Metadata that is not a map of strings is an error")
  func badMetadata() throws {
    let file = SafeTensorsTests.file(
      header: #"{"__metadata__":{"crc32":7},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
      data: SafeTensorsTests.bytes[3]!)
    #expect(throws: CheckpointError.self) { try SafeTensors.decode(file) }
  }
}
