/// A computation graph, ONNX `GraphProto`: nodes in topological order, the constant weights
/// (initializers), and the graph's inputs and outputs.
///
/// Fields written: `node` = 1, `name` = 2, `initializer` = 5, `doc_string` = 10, `input` = 11,
/// `output` = 12.
public struct ONNXGraph: ProtobufMessage, Equatable {
  /// The graph's name.
  public var name: String
  /// The nodes, each after the nodes whose outputs it reads.
  public var nodes: [ONNXNode]
  /// The constants.
  public var initializers: [ONNXTensor]
  /// The inputs the caller feeds.
  public var inputs: [ONNXValueInfo]
  /// The outputs the caller receives.
  public var outputs: [ONNXValueInfo]
  /// A description, or empty.
  public var documentation: String

  /// Creates a graph.
  public init(
    name: String, nodes: [ONNXNode], initializers: [ONNXTensor], inputs: [ONNXValueInfo],
    outputs: [ONNXValueInfo], documentation: String = ""
  ) {
    self.name = name
    self.nodes = nodes
    self.initializers = initializers
    self.inputs = inputs
    self.outputs = outputs
    self.documentation = documentation
  }

  public func encode(to writer: inout ProtobufWriter) {
    for node in nodes { writer.writeMessage(1, node) }
    writer.writeString(2, name)
    for initializer in initializers { writer.writeMessage(5, initializer) }
    if !documentation.isEmpty { writer.writeString(10, documentation) }
    for input in inputs { writer.writeMessage(11, input) }
    for output in outputs { writer.writeMessage(12, output) }
  }
}

/// A complete ONNX file, `ModelProto`: the format and operator-set versions, the producer, free
/// metadata and the graph.
///
/// Fields written: `ir_version` = 1, `producer_name` = 2, `producer_version` = 3, `doc_string` =
/// 6, `graph` = 7, `opset_import` = 8 (`OperatorSetIdProto`: `domain` = 1, `version` = 2),
/// `metadata_props` = 14 (`StringStringEntryProto`: `key` = 1, `value` = 2).
public struct ONNXModel: ProtobufMessage, Equatable {
  /// The ONNX IR (file format) version.
  public var irVersion: Int
  /// The version of the default `ai.onnx` operator set.
  public var opsetVersion: Int
  /// The tool that wrote the file.
  public var producerName: String
  /// Its version.
  public var producerVersion: String
  /// A description, or empty.
  public var documentation: String
  /// Free key-value metadata (`metadata_props`), written sorted by key.
  public var metadata: [String: String]
  /// The graph.
  public var graph: ONNXGraph

  /// Creates a model.
  public init(
    irVersion: Int, opsetVersion: Int, producerName: String, producerVersion: String,
    documentation: String = "", metadata: [String: String] = [:], graph: ONNXGraph
  ) {
    self.irVersion = irVersion
    self.opsetVersion = opsetVersion
    self.producerName = producerName
    self.producerVersion = producerVersion
    self.documentation = documentation
    self.metadata = metadata
    self.graph = graph
  }

  public func encode(to writer: inout ProtobufWriter) {
    writer.writeInt(1, Int64(irVersion))
    writer.writeString(2, producerName)
    writer.writeString(3, producerVersion)
    if !documentation.isEmpty { writer.writeString(6, documentation) }
    writer.writeMessage(7, graph)
    writer.writeMessage(8) { opset in
      opset.writeString(1, "")
      opset.writeInt(2, Int64(opsetVersion))
    }
    for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
      writer.writeMessage(14) { entry in
        entry.writeString(1, key)
        entry.writeString(2, value)
      }
    }
  }
}
