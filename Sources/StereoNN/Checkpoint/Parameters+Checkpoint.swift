import StereoTensor

extension Parameters {
  /// The values as named tensors, in order (the content of a checkpoint's weights).
  public var namedTensors: [(name: String, tensor: Tensor)] {
    entries.map { ($0.name, $0.parameter.value) }
  }

  /// Sets every parameter from `tensors`.
  ///
  /// - Throws: ``CheckpointError`` when a name is missing or a shape differs, naming the first
  ///   such parameter and both shapes; nothing is changed in that case.
  public func load(_ tensors: [String: Tensor], source: String) throws {
    for (name, parameter) in entries {
      guard let tensor = tensors[name] else {
        throw CheckpointError("\(source) does not fit this model: it has no tensor '\(name)'")
      }
      guard tensor.shape == parameter.shape else {
        throw CheckpointError(
          "\(source) does not fit this model: '\(name)' is \(tensor.shape) in the file, \(parameter.shape) in the model"
        )
      }
    }
    for (name, parameter) in entries { parameter.value = tensors[name]!.detached }
  }
}
