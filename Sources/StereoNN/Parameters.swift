import StereoTensor

/// An ordered list of named parameters: the flat `"encoder.0.depthwise.filter"` → tensor map that
/// becomes a checkpoint.
///
/// Names are dotted paths built by prefixing a child's names with the child's name, so they stay
/// stable as long as the architecture does.
public struct Parameters: Sendable {
  /// The entries in declaration order.
  public private(set) var entries: [(name: String, parameter: Parameter)] = []

  /// An empty list.
  public init() {}

  /// A list of the given entries, in order.
  public init(_ entries: KeyValuePairs<String, Parameter>) {
    for (name, parameter) in entries { append(name, parameter) }
  }

  /// Adds one entry; names must be unique.
  public mutating func append(_ name: String, _ parameter: Parameter) {
    precondition(!entries.contains { $0.name == name }, "Duplicate parameter name '\(name)'")
    entries.append((name, parameter))
  }

  /// Adds every entry of `child` under `prefix.`.
  public mutating func append(_ prefix: String, _ child: Parameters) {
    for (name, parameter) in child.entries { append("\(prefix).\(name)", parameter) }
  }

  /// The parameter called `name`, if any.
  public subscript(name: String) -> Parameter? {
    entries.first { $0.name == name }?.parameter
  }

  /// The names, in order.
  public var names: [String] { entries.map(\.name) }

  /// The trainable entries.
  public var trainable: [(name: String, parameter: Parameter)] {
    entries.filter { $0.parameter.isTrainable }
  }

  /// The number of trainable scalars.
  public var trainableCount: Int { trainable.reduce(0) { $0 + $1.parameter.value.count } }

  /// Forgets every accumulated gradient.
  public func zeroGradients() {
    for entry in entries { entry.parameter.zeroGradient() }
  }
}
