import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing

@Suite("Checkpoint averages")
struct CheckpointAverageTests {
  let configuration = WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)

  /// Saves a fresh model of `configuration` (seed `seed`) into `directory` as `name`.
  func save(
    seed: UInt64, _ name: String, in directory: URL, configuration: WNetConfiguration? = nil
  ) throws -> (url: URL, model: WNet) {
    let configuration = configuration ?? self.configuration
    let model = WNet(configuration: configuration, seed: seed)
    let url = directory.appendingPathComponent(name)
    try WNetCheckpoint.save(
      model, optimizer: nil,
      metadata: CheckpointMetadata(configuration: configuration, step: Int(seed), training: nil),
      to: url)
    return (url, model)
  }

  @Test("Every weight is the mean of the files' (three fresh models, by hand in Double)")
  func averagesEveryWeight() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let saved = try [1, 2, 3].map {
      try save(seed: UInt64($0), "m\($0).safetensors", in: directory)
    }
    let (model, metadata) = try WNetCheckpoint.average(saved.map(\.url))
    #expect(metadata.step == 1 && metadata.configuration == configuration)
    #expect(metadata.notes["averaged"] == saved.map(\.url.path).joined(separator: ", "))
    let named = saved.map { Dictionary(uniqueKeysWithValues: $0.model.parameters.namedTensors) }
    var checked = 0
    for (name, tensor) in model.parameters.namedTensors {
      let inputs = named.map { $0[name]!.scalars }
      for index in tensor.scalars.indices {
        let expected = Float(
          (Double(inputs[0][index]) + Double(inputs[1][index]) + Double(inputs[2][index])) / 3)
        if tensor.scalars[index] != expected {
          Issue.record("\(name)[\(index)]: \(tensor.scalars[index]) against \(expected)")
          return
        }
        checked += 1
      }
    }
    #expect(checked > 1000)
    // The seeds differ, so the mean is none of the inputs.
    let first = model.parameters.namedTensors.first { $0.tensor.count > 1 }!
    #expect(first.tensor.scalars != named[0][first.name]!.scalars)
  }

  @Test("Averaging one file, another model or an unreadable file is an error naming the file")
  func rejects() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let a = try save(seed: 1, "a.safetensors", in: directory).url
    #expect(throws: CheckpointError.self) { try WNetCheckpoint.average([a]) }
    let other = try save(
      seed: 2, "other.safetensors", in: directory,
      configuration: WNetConfiguration(preset: .original, minimumDisparity: 0, maximumDisparity: 7)
    ).url
    let missing = directory.appendingPathComponent("missing.safetensors")
    for bad in [other, missing] {
      do {
        _ = try WNetCheckpoint.average([a, bad])
        Issue.record("averaging with \(bad.lastPathComponent) succeeded")
      } catch {
        let message = String(describing: error)
        #expect(message.contains(bad.path) && !message.contains("\n"), "\(message)")
      }
    }
  }
}
