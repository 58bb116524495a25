import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// A checkpoint whose stored values are impossible (edited or damaged, with a valid checksum) is
/// refused with one line naming the file and the value, before anything is allocated or trapped.
@Suite("Checkpoint validation")
struct CheckpointValidationTests {
  static func recipe(steps: Int = 4, interval: Int = 2) -> TrainingRecipe {
    TrainingRecipe(
      model: WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 5),
      batchSize: 1, height: 8, width: 16, learningRate: 1e-3, steps: steps,
      checkpointInterval: interval, validationInterval: 0, seed: 3)
  }

  static func batch(seed: UInt64 = 1) -> StereoBatchTensors {
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: seed)
    return StereoBatchTensors(left: pair.left, right: pair.right)
  }

  /// A saved one-step checkpoint in a fresh folder.
  static func checkpoint() throws -> (folder: URL, url: URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-validation-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let trainer = try Trainer(recipe: recipe())
    try trainer.train(on: batch())
    let url = folder.appendingPathComponent("checkpoint.safetensors")
    try trainer.saveCheckpoint(to: url)
    return (folder, url)
  }

  /// Rewrites the checkpoint with `edit` applied to its metadata JSON (checksum recomputed).
  static func editMetadata(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let (tensors, order, metadata) = try SafeTensors.read(from: url)
    let stored = try #require(metadata["wnet"])
    let object = try JSONSerialization.jsonObject(with: Data(stored.utf8))
    var json = try #require(object as? [String: Any])
    edit(&json)
    let text = String(
      decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]),
      as: UTF8.self)
    try SafeTensors.write(
      order.map { (name: $0, tensor: tensors[$0]!) }, metadata: ["wnet": text], to: url)
  }

  static func setTraining(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
    { json in
      var training = json["training"] as! [String: Any]
      training[key] = value
      json["training"] = training
    }
  }

  static func setModel(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
    { json in
      for field in ["configuration"] {
        var model = json[field] as! [String: Any]
        model[key] = value
        json[field] = model
      }
      var training = json["training"] as! [String: Any]
      var model = training["model"] as! [String: Any]
      model[key] = value
      training["model"] = model
      json["training"] = training
    }
  }

  // Each campaign finding: the edit, and a word the one-line error must contain.
  static var edits: [(String, (inout [String: Any]) -> Void, String)] {
    [
      ("min > max", setModel("minimumDisparity", 9), "disparity range"),
      ("min −2^63", setModel("minimumDisparity", Int.min), "limit"),
      ("max 2^63−1", setModel("maximumDisparity", Int.max), "limit"),
      ("step −5", { $0["step"] = -5 }, "step"),
      ("batch 0", setTraining("batchSize", 0), "batch size"),
      ("batch −2", setTraining("batchSize", -2), "batch size"),
      ("batch 10^9", setTraining("batchSize", 1_000_000_000), "batch size"),
      ("height 0", setTraining("height", 0), "training size"),
      ("height −8", setTraining("height", -8), "training size"),
      ("height 13", setTraining("height", 13), "training size"),
      ("width 2^40", setTraining("width", 1 << 40), "training size"),
      ("learning rate −1", setTraining("learningRate", -1), "learning rate"),
      ("checkpoint interval 0", setTraining("checkpointInterval", 0), "checkpoint interval"),
    ]
  }

  @Test("Impossible stored values are one-line errors naming the file", arguments: 0..<13)
  func impossibleValues(index: Int) throws {
    let (name, edit, word) = Self.edits[index]
    let (folder, url) = try Self.checkpoint()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Self.editMetadata(url, edit)
    let error = #expect(throws: CheckpointError.self, "\(name)") {
      _ = try Trainer(resumingFrom: url)
    }
    let text = error?.description ?? ""
    #expect(text.contains(url.path) && text.contains(word), "\(name): \(text)")
    #expect(!text.contains("\n"), "\(name): \(text)")
  }

  @Test(
    "An Adam step of 1e30, −1 or 2.5 (or one that is not the checkpoint's) is an error",
    arguments: [1e30, -1, 2.5])
  func adamStep(value: Float) throws {
    let adam = Adam()
    #expect(throws: OptimizerStateError.self) { try adam.restore(["adam.step": Tensor(value)]) }
    let (folder, url) = try Self.checkpoint()
    defer { try? FileManager.default.removeItem(at: folder) }
    var (tensors, order, metadata) = try SafeTensors.read(from: url)
    tensors["optimizer.adam.step"] = Tensor(value)
    try SafeTensors.write(
      order.map { (name: $0, tensor: tensors[$0]!) }, metadata: metadata, to: url)
    let error = #expect(throws: CheckpointError.self) { _ = try Trainer(resumingFrom: url) }
    #expect(error?.description.contains("optimizer step") == true)
  }

  @Test("An optimizer moment of another shape is an error, not an out-of-bounds write")
  func momentShape() throws {
    let (folder, url) = try Self.checkpoint()
    defer { try? FileManager.default.removeItem(at: folder) }
    var (tensors, order, metadata) = try SafeTensors.read(from: url)
    let name = try #require(order.first { $0.hasPrefix("optimizer.adam.m.") })
    tensors[name] = Tensor([1])
    try SafeTensors.write(
      order.map { (name: $0, tensor: tensors[$0]!) }, metadata: metadata, to: url)
    let error = #expect(throws: TrainingError.self) { _ = try Trainer(resumingFrom: url) }
    #expect(error?.description.contains("shape") == true)
  }

  @Test("A non-finite learning rate or batch beyond the limit fails the recipe's check")
  func recipeLimits() {
    var recipe = Self.recipe()
    recipe.learningRate = .infinity
    #expect(recipe.problems.contains { $0.contains("learning rate") })
    recipe = Self.recipe()
    recipe.batchSize = TrainingRecipe.batchSizeLimit + 1
    #expect(recipe.problems.contains { $0.contains("batch size") })
    #expect(Self.recipe().problems.isEmpty)
  }
}
