import Foundation

/// A minimal Protocol Buffers encoder: just the wire format that ONNX messages need.
///
/// Every field is a tag `(number << 3) | wireType` as a varint, then its payload:
///
///     varint (wire type 0)            int32, int64, enums; negative values as 10-byte
///                                     two's complement, as protobuf does for int64
///     fixed 32-bit (wire type 5)      float, little-endian IEEE 754
///     length-delimited (wire type 2)  strings, bytes, nested messages: a varint length, then
///                                     the bytes
///
/// Repeated fields are written unpacked (one tag per element), which every protobuf parser
/// accepts for the proto2 messages of `onnx.proto`. Reference:
/// https://protobuf.dev/programming-guides/encoding/
public struct ProtobufWriter: Sendable {
  /// The encoded bytes so far.
  public private(set) var bytes: [UInt8] = []

  /// Creates an empty writer.
  public init() {}

  /// The encoded bytes as `Data`.
  public var data: Data { Data(bytes) }

  /// The protobuf wire types used here.
  enum WireType: UInt64 {
    case varint = 0
    case lengthDelimited = 2
    case fixed32 = 5
  }

  /// Appends `value` as a base-128 varint, least significant group first.
  public mutating func writeVarint(_ value: UInt64) {
    var remaining = value
    while remaining >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
      remaining >>= 7
    }
    bytes.append(UInt8(remaining))
  }

  mutating func writeTag(_ field: Int, _ wireType: WireType) {
    precondition(field > 0 && field < 1 << 29, "Protobuf field numbers are 1..<2^29, got \(field)")
    writeVarint(UInt64(field) << 3 | wireType.rawValue)
  }

  /// Writes an `int64`, `int32` or enum field (negative values as 64-bit two's complement).
  public mutating func writeInt(_ field: Int, _ value: Int64) {
    writeTag(field, .varint)
    writeVarint(UInt64(bitPattern: value))
  }

  /// Writes a `float` field: four little-endian bytes.
  public mutating func writeFloat(_ field: Int, _ value: Float) {
    writeTag(field, .fixed32)
    let bits = value.bitPattern
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: bits >> shift))
    }
  }

  /// Writes a `bytes` field.
  public mutating func writeBytes(_ field: Int, _ value: some Collection<UInt8>) {
    writeTag(field, .lengthDelimited)
    writeVarint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  /// Writes a `string` field as UTF-8.
  public mutating func writeString(_ field: Int, _ value: String) {
    writeBytes(field, Array(value.utf8))
  }

  /// Writes an embedded message field, encoded by `body` into a writer of its own.
  public mutating func writeMessage(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
    var nested = ProtobufWriter()
    body(&nested)
    writeBytes(field, nested.bytes)
  }

  /// Writes an embedded message field.
  public mutating func writeMessage(_ field: Int, _ message: some ProtobufMessage) {
    writeMessage(field) { message.encode(to: &$0) }
  }
}

/// A message that ``ProtobufWriter`` can encode.
public protocol ProtobufMessage: Sendable {
  /// Appends the message's fields (without a tag or length of its own) to `writer`.
  func encode(to writer: inout ProtobufWriter)
}

extension ProtobufMessage {
  /// The message's serialized bytes.
  public var serializedData: Data {
    var writer = ProtobufWriter()
    encode(to: &writer)
    return writer.data
  }
}
