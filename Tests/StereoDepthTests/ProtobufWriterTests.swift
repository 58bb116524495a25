import Foundation
import StereoDepth
import Testing

/// Byte-exact encodings.
///
/// The expected bytes come from the worked examples of the protobuf encoding guide
/// (https://protobuf.dev/programming-guides/encoding/) and, for the ONNX messages, from Python's
/// protobuf:
///
///     from onnx import helper, TensorProto
///     helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]).SerializeToString()
///     helper.make_attribute("pads", [1, 2]).SerializeToString()
///     helper.make_tensor("w", TensorProto.FLOAT, [2], struct.pack("<2f", 1, -2), raw=True)
@Suite("Protobuf writer")
struct ProtobufWriterTests {
  @Test("Varints are base-128, least significant group first; negative int64 take ten bytes")
  func varints() {
    var writer = ProtobufWriter()
    writer.writeInt(1, 150)
    #expect(writer.bytes == [0x08, 0x96, 0x01])
    writer = ProtobufWriter()
    for value: UInt64 in [0, 1, 127, 128, 300] { writer.writeVarint(value) }
    #expect(writer.bytes == [0x00, 0x01, 0x7F, 0x80, 0x01, 0xAC, 0x02])
    writer = ProtobufWriter()
    writer.writeInt(1, -2)
    #expect(writer.bytes == [0x08, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
  }

  @Test("Strings and messages are length-delimited; floats are four little-endian bytes")
  func lengthDelimitedAndFloats() {
    var writer = ProtobufWriter()
    writer.writeString(2, "testing")
    #expect(writer.bytes == [0x12, 0x07] + Array("testing".utf8))
    writer = ProtobufWriter()
    writer.writeMessage(3) { $0.writeInt(1, 150) }
    #expect(writer.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])
    writer = ProtobufWriter()
    writer.writeFloat(2, 1)
    writer.writeFloat(2, -2)
    #expect(writer.bytes == [0x15, 0x00, 0x00, 0x80, 0x3F, 0x15, 0x00, 0x00, 0x00, 0xC0])
  }

  @Test("A TensorProto holds dims, data_type, name and little-endian raw_data")
  func tensorProto() {
    let floats = ONNXTensor(name: "w", shape: [2], floats: [1, -2]).serializedData
    #expect(
      Array(floats) == [
        0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00,
        0x00, 0xC0,
      ])
    let integers = ONNXTensor(name: "a", shape: [1], integers: [-1]).serializedData
    #expect(
      Array(integers) == [0x08, 0x01, 0x10, 0x07, 0x42, 0x01, 0x61, 0x4A, 0x08]
        + [UInt8](repeating: 0xFF, count: 8))
  }

  @Test("Attributes carry their type discriminator (field 20)")
  func attributes() {
    let ints = ONNXAttribute("pads", .ints([1, 2])).serializedData
    #expect(
      Array(ints) == [0x0A, 0x04] + Array("pads".utf8) + [0x40, 0x01, 0x40, 0x02, 0xA0, 0x01, 0x07])
    let float = ONNXAttribute("epsilon", .float(1)).serializedData
    #expect(
      Array(float) == [0x0A, 0x07] + Array("epsilon".utf8) + [
        0x15, 0x00, 0x00, 0x80, 0x3F, 0xA0, 0x01, 0x01,
      ])
  }

  @Test("A symbolic dimension is a dim_param, a fixed one a dim_value")
  func valueInfo() {
    let info = ONNXValueInfo(name: "x", shape: [.symbolic("N"), .fixed(3)]).serializedData
    // ValueInfo{name, type{tensor_type{elem_type 1, shape{dim{dim_param "N"}, dim{dim_value 3}}}}}
    #expect(
      Array(info) == [
        0x0A, 0x01, 0x78, 0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01, 0x12, 0x09, 0x0A, 0x03, 0x12, 0x01,
        0x4E, 0x0A, 0x02, 0x08, 0x03,
      ])
  }
}
