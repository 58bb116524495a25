/// A named attribute of a node, ONNX `AttributeProto`.
///
/// Fields written: `name` = 1, `f` = 2, `i` = 3, `s` = 4, `floats` = 7, `ints` = 8, and the
/// discriminator `type` = 20 (`FLOAT` 1, `INT` 2, `STRING` 3, `FLOATS` 6, `INTS` 7).
public struct ONNXAttribute: ProtobufMessage, Equatable {
  /// An attribute's value.
  public enum Value: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
  }

  /// The attribute's name, as the operator's specification spells it (`kernel_shape`).
  public var name: String
  /// The value.
  public var value: Value

  /// Creates an attribute.
  public init(_ name: String, _ value: Value) {
    self.name = name
    self.value = value
  }

  public func encode(to writer: inout ProtobufWriter) {
    writer.writeString(1, name)
    switch value {
    case .float(let number):
      writer.writeFloat(2, number)
      writer.writeInt(20, 1)
    case .int(let number):
      writer.writeInt(3, Int64(number))
      writer.writeInt(20, 2)
    case .string(let text):
      writer.writeString(4, text)
      writer.writeInt(20, 3)
    case .floats(let numbers):
      for number in numbers { writer.writeFloat(7, number) }
      writer.writeInt(20, 6)
    case .ints(let numbers):
      for number in numbers { writer.writeInt(8, Int64(number)) }
      writer.writeInt(20, 7)
    }
  }
}

/// One operator application in a graph, ONNX `NodeProto`, in the default (`ai.onnx`) domain.
///
/// Fields written: `input` = 1, `output` = 2, `name` = 3, `op_type` = 4, `attribute` = 5. An
/// empty input name marks an optional input left out (as `Resize`'s `roi`).
public struct ONNXNode: ProtobufMessage, Equatable {
  /// The operator, such as `Conv`.
  public var opType: String
  /// The node's unique name.
  public var name: String
  /// The names of the values it reads.
  public var inputs: [String]
  /// The names of the values it produces.
  public var outputs: [String]
  /// The attributes.
  public var attributes: [ONNXAttribute]

  /// Creates a node.
  public init(
    opType: String, name: String, inputs: [String], outputs: [String],
    attributes: [ONNXAttribute] = []
  ) {
    self.opType = opType
    self.name = name
    self.inputs = inputs
    self.outputs = outputs
    self.attributes = attributes
  }

  public func encode(to writer: inout ProtobufWriter) {
    for input in inputs { writer.writeString(1, input) }
    for output in outputs { writer.writeString(2, output) }
    writer.writeString(3, name)
    writer.writeString(4, opType)
    for attribute in attributes { writer.writeMessage(5, attribute) }
  }
}
