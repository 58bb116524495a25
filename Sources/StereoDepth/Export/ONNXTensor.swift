/// The ONNX element types the exporter writes (`TensorProto.DataType` in `onnx.proto`).
public enum ONNXElementType: Int32, Sendable {
  /// 32-bit IEEE float.
  case float = 1
  /// 64-bit signed integer (shapes, axes, slice bounds).
  case int64 = 7
}

/// A constant tensor, ONNX `TensorProto`, with its values in `raw_data` (little-endian).
///
/// Fields written: `dims` = 1, `data_type` = 2, `name` = 8, `raw_data` = 9.
public struct ONNXTensor: ProtobufMessage, Equatable {
  /// The name graph nodes refer to it by.
  public var name: String
  /// The dimensions, outermost first; `[]` is a scalar.
  public var shape: [Int]
  /// The element type.
  public var elementType: ONNXElementType
  /// The values, little-endian, `shape.product × 4` (float) or `× 8` (int64) bytes.
  public var rawData: [UInt8]

  /// Creates a float tensor.
  ///
  /// - Parameters:
  ///   - name: The name nodes refer to it by.
  ///   - shape: The dimensions; their product must equal `floats.count`.
  ///   - floats: The values in row-major order.
  public init(name: String, shape: [Int], floats: [Float]) {
    precondition(
      shape.reduce(1, *) == floats.count,
      "Tensor '\(name)' of shape \(shape) needs \(shape.reduce(1, *)) values, got \(floats.count)")
    self.name = name
    self.shape = shape
    elementType = .float
    rawData = []
    rawData.reserveCapacity(4 * floats.count)
    for value in floats {
      let bits = value.bitPattern
      for shift in stride(from: 0, to: 32, by: 8) {
        rawData.append(UInt8(truncatingIfNeeded: bits >> shift))
      }
    }
  }

  /// Creates an int64 tensor.
  ///
  /// - Parameters:
  ///   - name: The name nodes refer to it by.
  ///   - shape: The dimensions; their product must equal `integers.count`.
  ///   - integers: The values in row-major order.
  public init(name: String, shape: [Int], integers: [Int64]) {
    precondition(
      shape.reduce(1, *) == integers.count,
      "Tensor '\(name)' of shape \(shape) needs \(shape.reduce(1, *)) values, got \(integers.count)"
    )
    self.name = name
    self.shape = shape
    elementType = .int64
    rawData = []
    rawData.reserveCapacity(8 * integers.count)
    for value in integers {
      let bits = UInt64(bitPattern: value)
      for shift in stride(from: 0, to: 64, by: 8) {
        rawData.append(UInt8(truncatingIfNeeded: bits >> shift))
      }
    }
  }

  public func encode(to writer: inout ProtobufWriter) {
    for dimension in shape { writer.writeInt(1, Int64(dimension)) }
    writer.writeInt(2, Int64(elementType.rawValue))
    writer.writeString(8, name)
    writer.writeBytes(9, rawData)
  }
}
