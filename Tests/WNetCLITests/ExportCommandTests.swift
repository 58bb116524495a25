import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing

@testable import wnet

@Suite("wnet export")
struct ExportCommandTests {
  @Test("Parses the defaults: the bundled model, disparity only")
  func defaults() throws {
    let command = try WNetCommand.Export.parse(["--onnx", "m.onnx"])
    #expect(command.onnx == "m.onnx")
    #expect(command.model.isEmpty && command.preset == nil && command.seed == nil)
    #expect(!command.probabilities)
  }

  @Test("Parses a preset, a seed and probabilities; or a checkpoint")
  func options() throws {
    let fresh = try WNetCommand.Export.parse([
      "--onnx", "m.onnx", "--preset", "original", "--seed", "3", "--probabilities",
    ])
    #expect(fresh.preset == .original && fresh.seed == 3 && fresh.probabilities)
    let trained = try WNetCommand.Export.parse(["--onnx", "m.onnx", "--model", "c.safetensors"])
    #expect(trained.model == ["c.safetensors"])
    let averaged = try WNetCommand.Export.parse([
      "--weights", "w.safetensors", "--model", "a.safetensors", "--model", "b.safetensors",
    ])
    #expect(averaged.model == ["a.safetensors", "b.safetensors"])
  }

  @Test(
    "Rejects neither or both of --onnx and --weights, an unknown preset, --model with --preset or --seed, --seed alone, --probabilities with --weights",
    arguments: [
      [] as [String], ["--onnx", "m.onnx", "--weights", "w.safetensors"],
      ["--onnx", "m.onnx", "--preset", "fast"],
      ["--onnx", "m.onnx", "--model", "c.safetensors", "--preset", "realtime"],
      ["--onnx", "m.onnx", "--model", "c.safetensors", "--seed", "1"],
      ["--onnx", "m.onnx", "--seed", "1"], ["--weights", "w.safetensors", "--probabilities"],
    ])
  func rejects(arguments: [String]) {
    #expect(throws: (any Error).self) { try WNetCommand.Export.parse(arguments) }
  }

  @Test("Writes an ONNX file; the same seed gives the same bytes")
  func writes() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-export-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var files: [Data] = []
    for name in ["a", "b"] {
      let url = directory.appendingPathComponent("\(name)/model.onnx")
      try WNetCommand.Export.parse(["--onnx", url.path, "--preset", "realtime", "--seed", "4"])
        .run()
      files.append(try Data(contentsOf: url))
    }
    #expect(files[0] == files[1])
    #expect(Array(files[0].prefix(2)) == [0x08, 0x08], "ModelProto.ir_version = 8 comes first")
    let names = try FileManager.default.contentsOfDirectory(
      atPath: directory.appendingPathComponent("a").path)
    #expect(names == ["model.onnx"], "no temporary file is left behind")
  }

  @Test("--weights writes a checkpoint's weights and metadata without its optimizer state")
  func exportsWeights() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-export-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 15)
    let model = WNet(configuration: configuration, seed: 5)
    let optimizer = Adam()
    for (_, parameter) in model.parameters.trainable {
      parameter.gradient = Tensor.zeros(parameter.shape)
    }
    optimizer.update(model.parameters)  // Adam's moments: state to leave out
    let checkpoint = directory.appendingPathComponent("run/checkpoint.safetensors")
    try FileManager.default.createDirectory(
      at: checkpoint.deletingLastPathComponent(), withIntermediateDirectories: true)
    try WNetCheckpoint.save(
      model, optimizer: optimizer,
      metadata: CheckpointMetadata(configuration: configuration, step: 42, training: nil),
      to: checkpoint)
    let output = directory.appendingPathComponent("weights.safetensors")
    try WNetCommand.Export.parse(["--weights", output.path, "--model", checkpoint.path]).run()
    let (loaded, metadata, tensors) = try WNetCheckpoint.loadModel(output)
    #expect(
      WNetCheckpoint.optimizerState(try WNetCheckpoint.read(checkpoint).tensors).isEmpty == false)
    #expect(WNetCheckpoint.optimizerState(tensors).isEmpty)
    #expect(metadata.step == 42 && metadata.configuration == configuration)
    for (name, tensor) in model.parameters.namedTensors {
      #expect(
        loaded.parameters.namedTensors.first { $0.name == name }?.tensor.scalars == tensor.scalars,
        "\(name)")
    }
    #expect(try Data(contentsOf: output).count < Data(contentsOf: checkpoint).count / 2)
  }

  @Test("Several --model checkpoints export their average")
  func exportsAverage() throws {
    let directory = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    let models = [
      WNet(configuration: configuration, seed: 1), WNet(configuration: configuration, seed: 2),
    ]
    var arguments = ["--weights", directory.appendingPathComponent("soup.safetensors").path]
    for (index, model) in models.enumerated() {
      let url = directory.appendingPathComponent("\(index).safetensors")
      try WNetCheckpoint.save(
        model, optimizer: nil,
        metadata: CheckpointMetadata(configuration: configuration, step: 7, training: nil), to: url)
      arguments += ["--model", url.path]
    }
    try WNetCommand.Export.parse(arguments).run()
    let soup = try WNetCheckpoint.loadModel(directory.appendingPathComponent("soup.safetensors"))
    #expect(soup.metadata.notes["averaged"] != nil)
    for ((name, a), (_, b)) in zip(
      models[0].parameters.namedTensors, models[1].parameters.namedTensors)
    {
      let expected = zip(a.scalars, b.scalars).map { Float((Double($0) + Double($1)) / 2) }
      #expect(
        soup.model.parameters.namedTensors.first { $0.name == name }?.tensor.scalars == expected,
        "\(name)")
    }
  }

  @Test("Exports a checkpoint's own weights and disparity range")
  func exportsCheckpoint() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-export-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 23)
    let checkpoint = directory.appendingPathComponent("model.safetensors")
    try WNetCheckpoint.save(
      WNet(configuration: configuration, seed: 9), optimizer: nil,
      metadata: CheckpointMetadata(configuration: configuration, step: 0, training: nil),
      to: checkpoint)
    let output = directory.appendingPathComponent("model.onnx")
    try WNetCommand.Export.parse([
      "--onnx", output.path, "--model", checkpoint.path, "--probabilities",
    ]).run()
    let loaded = try WNetCheckpoint.loadModel(checkpoint).model
    let expected = ONNXExporter(includesProbabilities: true).serializedModel(loaded)
    #expect(try Data(contentsOf: output) == expected)
    let fresh = ONNXExporter(includesProbabilities: true).serializedModel(
      WNet(configuration: configuration, seed: 0))
    #expect(expected != fresh, "the checkpoint's weights, not a fresh model's")
  }

  @Test(
    "A missing or corrupt checkpoint is a one-line error naming the file", arguments: [false, true])
  func unreadableCheckpoint(exists: Bool) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let checkpoint = directory.appendingPathComponent("bad.safetensors")
    if exists { try Data("not a checkpoint".utf8).write(to: checkpoint) }
    let output = directory.appendingPathComponent("model.onnx")
    let command = try WNetCommand.Export.parse(["--onnx", output.path, "--model", checkpoint.path])
    do {
      try command.run()
      Issue.record("Exporting \(exists ? "a corrupt" : "a missing") checkpoint succeeded")
    } catch {
      let message = String(describing: error)
      #expect(message.contains(checkpoint.path) && !message.contains("\n"), "\(message)")
    }
    #expect(!FileManager.default.fileExists(atPath: output.path))
  }
}
