import Foundation
import StereoNN
import StereoTensor

extension WNetCheckpoint {
  /// The uniform average ("soup") of several checkpoints of one model.
  ///
  /// Every weight, batch-norm running statistics included, is averaged element by element,
  ///
  ///     W = Float((Σ_i Double(W_i)) / n)        summed in the order given
  ///
  /// (`benchmarks/soup.py` computes the same in NumPy). Meant for fine-tunes of one start (the
  /// bundled `matching` model is the average of three); the optimizer states are left out.
  ///
  /// - Parameter urls: At least two checkpoints of models with the same parameters
  ///   (``WNetConfiguration/hasSameParameters(as:)``); the first one's configuration and
  ///   metadata are kept, with the sources named in the notes under `averaged`.
  /// - Returns: The averaged model and the first checkpoint's metadata, noting the sources.
  /// - Throws: ``CheckpointError`` naming the file that cannot be read or does not match the first.
  public static func average(_ urls: [URL]) throws -> (model: WNet, metadata: CheckpointMetadata) {
    guard let first = urls.first, urls.count >= 2 else {
      throw CheckpointError("averaging needs at least two checkpoints, got \(urls.count)")
    }
    let (metadata, firstTensors) = try read(first)
    let names = firstTensors.keys.filter { $0.hasPrefix("model.") }.sorted()
    var sums = names.map { name in firstTensors[name]!.scalars.map(Double.init) }
    for url in urls.dropFirst() {
      let (other, tensors) = try read(url)
      guard other.configuration.hasSameParameters(as: metadata.configuration) else {
        throw CheckpointError(
          "\(url.path) holds another model than \(first.path) (\(other.configuration.preset.rawValue), "
            + "not the same parameters): only checkpoints of one model can be averaged")
      }
      let otherNames = tensors.keys.filter { $0.hasPrefix("model.") }.sorted()
      guard otherNames == names else {
        throw CheckpointError("\(url.path) has other weights than \(first.path)")
      }
      for (index, name) in names.enumerated() {
        let tensor = tensors[name]!
        guard tensor.shape == firstTensors[name]!.shape else {
          throw CheckpointError(
            "\(url.path): '\(name)' is \(tensor.shape), not \(firstTensors[name]!.shape) as in \(first.path)"
          )
        }
        for (offset, value) in tensor.scalars.enumerated() { sums[index][offset] += Double(value) }
      }
    }
    let count = Double(urls.count)
    var weights: [String: Tensor] = [:]
    for (index, name) in names.enumerated() {
      weights[String(name.dropFirst(6))] = Tensor(
        shape: firstTensors[name]!.shape, scalars: sums[index].map { Float($0 / count) })
    }
    let model = WNet(configuration: metadata.configuration)
    try model.parameters.load(weights, source: first.path)
    var averaged = metadata
    averaged.notes["averaged"] = urls.map(\.path).joined(separator: ", ")
    return (model, averaged)
  }
}
