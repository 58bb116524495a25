import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Checkpoints")
struct CheckpointTests {
  func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  func smallConfiguration(steps: Int = 4) -> TrainingRecipe {
    TrainingRecipe(
      model: WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 5),
      batchSize: 1, height: 8, width: 16, learningRate: 1e-3, steps: steps, checkpointInterval: 2,
      seed: 3)
  }

  @Test("Weights, optimizer state and metadata survive a round trip")
  func roundTrip() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let trainer = try Trainer(recipe: smallConfiguration())
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: 1)
    try trainer.train(on: StereoBatchTensors(left: pair.left, right: pair.right))
    let url = directory.appendingPathComponent("c.safetensors")
    try trainer.saveCheckpoint(to: url)
    let resumed = try Trainer(resumingFrom: url)
    #expect(resumed.step == 1)
    #expect(resumed.recipe == trainer.recipe)
    for ((name, a), (_, b)) in zip(
      trainer.model.parameters.namedTensors, resumed.model.parameters.namedTensors)
    {
      #expect(a.scalars == b.scalars, "\(name)")
    }
    #expect(resumed.optimizer.step == 1)
  }

  @Test("A resumed run takes exactly the steps an uninterrupted run takes")
  func exactResume() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let pairs = (0..<4).map {
      constantShiftPair(batch: 1, height: 8, width: 16, shift: 1 + $0 % 3, seed: UInt64($0))
    }
    let batches = pairs.map { StereoBatchTensors(left: $0.left, right: $0.right) }
    let straight = try Trainer(recipe: smallConfiguration())
    for batch in batches { try straight.train(on: batch) }
    let first = try Trainer(recipe: smallConfiguration())
    for batch in batches.prefix(2) { try first.train(on: batch) }
    let url = directory.appendingPathComponent("c.safetensors")
    try first.saveCheckpoint(to: url)
    let second = try Trainer(resumingFrom: url)
    for batch in batches.suffix(2) { try second.train(on: batch) }
    for ((name, a), (_, b)) in zip(
      straight.model.parameters.namedTensors, second.model.parameters.namedTensors)
    {
      #expect(a.scalars == b.scalars, "\(name) differs after resuming")
    }
  }

  @Test("A run started from a model's weights has them at step 0, a fresh optimizer and trains")
  func initialWeights() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: 1)
    let batch = StereoBatchTensors(left: pair.left, right: pair.right)
    let trained = try Trainer(recipe: smallConfiguration())
    for _ in 0..<2 { try trained.train(on: batch) }
    // Exported: weights and statistics only, as the bundled models are.
    let url = directory.appendingPathComponent("model.safetensors")
    try WNetCheckpoint.save(
      trained.model, optimizer: nil,
      metadata: CheckpointMetadata(configuration: trained.recipe.model, step: 2, training: nil),
      to: url)
    var recipe = smallConfiguration()
    recipe.seed = 9
    let started = try Trainer(recipe: recipe, initialWeights: url)
    #expect(started.step == 0)
    #expect(started.optimizer.step == 0)
    let fresh = try Trainer(recipe: recipe)
    var differsFromSeeded = false
    for (((name, a), (_, b)), (_, c)) in zip(
      zip(trained.model.parameters.namedTensors, started.model.parameters.namedTensors),
      fresh.model.parameters.namedTensors)
    {
      #expect(a.scalars == b.scalars, "\(name) is not the file's")
      if b.scalars != c.scalars { differsFromSeeded = true }
    }
    #expect(differsFromSeeded)
    try started.train(on: batch)
    #expect(started.step == 1)

    var other = recipe
    other.model = WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    #expect {
      _ = try Trainer(recipe: other, initialWeights: url)
    } throws: { error in
      "\(error)".contains("holds a realtime 0…5 model; the run trains realtime 0…7")
    }
  }

  @Test("A truncated file, NaN weights and the wrong preset give clear errors")
  func errors() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = WNet(configuration: WNetConfiguration(preset: .realtime))
    let url = directory.appendingPathComponent("model.safetensors")
    try WNetCheckpoint.save(
      model, optimizer: nil,
      metadata: CheckpointMetadata(configuration: model.configuration, step: 0, training: nil),
      to: url)
    let data = try Data(contentsOf: url)

    let truncated = directory.appendingPathComponent("truncated.safetensors")
    try data.prefix(data.count / 2).write(to: truncated)
    #expect(throws: CheckpointError.self) { try WNetCheckpoint.loadModel(truncated) }
    do { _ = try WNetCheckpoint.loadModel(truncated) } catch {
      #expect("\(error)".contains("truncated"))
    }

    var poisoned = data
    poisoned.replaceSubrange(
      (poisoned.count - 4)..<poisoned.count,
      with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
    let nan = directory.appendingPathComponent("nan.safetensors")
    try poisoned.write(to: nan)
    do {
      _ = try WNetCheckpoint.loadModel(nan)
      Issue.record("NaN weights were accepted")
    } catch { #expect("\(error)".contains("NaN")) }

    do {
      _ = try WNetCheckpoint.loadModel(url, expectedPreset: .original)
      Issue.record("the wrong preset was accepted")
    } catch { #expect("\(error)".contains("'realtime' model")) }

    let garbage = directory.appendingPathComponent("garbage.safetensors")
    try Data("not a checkpoint at all".utf8).write(to: garbage)
    #expect(throws: CheckpointError.self) { try WNetCheckpoint.loadModel(garbage) }
    #expect(throws: CheckpointError.self) {
      try WNetCheckpoint.loadModel(directory.appendingPathComponent("missing.safetensors"))
    }
  }

  @Test("A checkpoint that does not fit the model names the tensor and both shapes")
  func mismatchedShapes() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // A realtime model with 48 candidates, relabelled as one with 10: the head no longer fits.
    let model = WNet(configuration: WNetConfiguration(preset: .realtime))
    let url = directory.appendingPathComponent("m.safetensors")
    let wrong = WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 9)
    try WNetCheckpoint.save(
      model, optimizer: nil,
      metadata: CheckpointMetadata(configuration: wrong, step: 0, training: nil), to: url)
    do {
      _ = try WNetCheckpoint.loadModel(url)
      Issue.record("a mismatched checkpoint was accepted")
    } catch { #expect("\(error)".contains("head.filter")) }
  }
}
