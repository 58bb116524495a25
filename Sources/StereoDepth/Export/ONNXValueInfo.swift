/// One dimension of a graph input or output: a number, or a name shared by the dimensions
/// that must be equal (`N`, `H`, `W`), fixed only when the model runs.
public enum ONNXDimension: Sendable, Equatable {
  /// A fixed size (`dim_value`).
  case fixed(Int)
  /// A symbolic size (`dim_param`).
  case symbolic(String)
}

/// The name, element type and shape of a graph input or output, ONNX `ValueInfoProto` holding a
/// `TypeProto.Tensor`.
///
/// Fields written: `ValueInfoProto.name` = 1, `.type` = 2; `TypeProto.tensor_type` = 1;
/// `TypeProto.Tensor.elem_type` = 1, `.shape` = 2; `TensorShapeProto.dim` = 1;
/// `Dimension.dim_value` = 1, `.dim_param` = 2.
public struct ONNXValueInfo: ProtobufMessage, Equatable {
  /// The value's name.
  public var name: String
  /// The element type.
  public var elementType: ONNXElementType
  /// The dimensions, outermost first.
  public var shape: [ONNXDimension]

  /// Creates a description of a tensor value.
  public init(name: String, elementType: ONNXElementType = .float, shape: [ONNXDimension]) {
    self.name = name
    self.elementType = elementType
    self.shape = shape
  }

  public func encode(to writer: inout ProtobufWriter) {
    writer.writeString(1, name)
    writer.writeMessage(2) { type in
      type.writeMessage(1) { tensorType in
        tensorType.writeInt(1, Int64(elementType.rawValue))
        tensorType.writeMessage(2) { tensorShape in
          for dimension in shape {
            tensorShape.writeMessage(1) { entry in
              switch dimension {
              case .fixed(let size): entry.writeInt(1, Int64(size))
              case .symbolic(let name): entry.writeString(2, name)
              }
            }
          }
        }
      }
    }
  }
}
