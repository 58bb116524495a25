import Foundation
import StereoData
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Training recipes")
struct TrainingRecipeTests {
  /// A recipe with every field away from its default.
  func unusualRecipe() -> TrainingRecipe {
    let policy = SplitPolicy(heldOutSources: ["scenes/b"], validationFraction: 0.25, seed: 9)
    var data = TrainingDataRecipe(
      sources: [
        StereoDatasetConfiguration(path: "/data/scenes", format: .middlebury),
        StereoDatasetConfiguration(
          path: "/data/movie.mkv", format: .video, videoLayout: .halfSideBySide,
          framesPerSecond: 0.5, segmentDuration: 30),
      ],
      syntheticShare: 0.25,
      synthetic: SyntheticSceneSettings(
        disparityMargin: 1, objectCount: 1...3, horizontalSamples: 4, verticalSamples: 2,
        validationBatches: 3),
      splitPolicy: policy,
      split: DatasetSplit(
        policy: policy, trainingSources: ["scenes/a", "movie/0"], validationSources: ["scenes/b"]),
      augmentation: .cropOnly, validationSamples: 5)
    data.evaluationSources = ["/data/evaluation"]
    var loss = LossConfiguration.preset(.realtime)
    loss.ssimWeight = 0.85
    return TrainingRecipe(
      model: WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 5),
      loss: loss, data: data, batchSize: 1, height: 8, width: 16, learningRate: 2e-3,
      schedule: LearningRateSchedule(milestones: [3, 7]), steps: 9, checkpointInterval: 2,
      validationInterval: 4, seed: 11)
  }

  func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-recipe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("A recipe survives JSON encoding and decoding field for field")
  func codableRoundTrip() throws {
    let recipe = unusualRecipe()
    let json = try JSONEncoder().encode(recipe)
    let decoded = try JSONDecoder().decode(TrainingRecipe.self, from: json)
    #expect(decoded == recipe)
    #expect(decoded.data.sources[1].videoLayout == .halfSideBySide)
    #expect(decoded.data.synthetic.objectCount == 1...3)
    #expect(decoded.data.split?.validationSources == ["scenes/b"])
    #expect(decoded.changes(from: recipe).isEmpty)
  }

  @Test("A recipe stored before --evaluation-data decodes with none, and the change is named")
  func evaluationSourcesDefault() throws {
    let recipe = unusualRecipe()
    let json = try JSONEncoder().encode(recipe)
    var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    var data = try #require(object["data"] as? [String: Any])
    #expect(data["evaluationSources"] as? [String] == ["/data/evaluation"])
    data.removeValue(forKey: "evaluationSources")
    object["data"] = data
    let old = try JSONDecoder().decode(
      TrainingRecipe.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(old.data.evaluationSources.isEmpty)
    #expect(recipe.data.changes(from: old.data).map { $0.hasPrefix("evaluation data") } == [true])
  }

  @Test("A recipe survives a checkpoint, and a resume may change its schedule but not its model")
  func checkpointRoundTrip() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recipe = unusualRecipe()
    let trainer = try Trainer(recipe: recipe)
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: 1)
    try trainer.train(on: StereoBatchTensors(left: pair.left, right: pair.right))
    let url = directory.appendingPathComponent("c.safetensors")
    try trainer.saveCheckpoint(to: url)

    let metadata = try WNetCheckpoint.read(url).metadata
    #expect(metadata.version == 2)
    #expect(metadata.training == recipe)
    #expect(try Trainer(resumingFrom: url).recipe == recipe)

    var longer = recipe
    longer.steps = 20
    longer.schedule = LearningRateSchedule(milestones: [15])
    let resumed = try Trainer(resumingFrom: url, recipe: longer)
    #expect(resumed.recipe.steps == 20 && resumed.step == 1)
    #expect(
      longer.changes(from: recipe) == ["learning-rate drops [3, 7] → [15]", "steps 9 → 20"])

    var otherModel = recipe
    otherModel.model = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    #expect(throws: TrainingError.self) { try Trainer(resumingFrom: url, recipe: otherModel) }
  }

  /// The metadata of the `realtime` file bundled until session 36, as version 1 wrote it (read
  /// with Python's json module): the data record's fields are strings, two of them JSON.
  func legacyMetadata() throws -> String {
    let eth3d = [
      "delivery_area_1l", "delivery_area_1s", "delivery_area_2l", "delivery_area_2s",
      "delivery_area_3l", "electro_1l", "electro_1s", "electro_2l", "electro_2s", "electro_3l",
      "electro_3s", "facade_1s", "forest_1s", "forest_2s", "playground_1l", "playground_1s",
      "playground_2l", "playground_3l", "playground_3s", "terrace_1s", "terrace_2s",
      "terrains_1l", "terrains_2l", "terrains_2s",
    ]
    let middlebury = [
      "Adirondack", "ArtL", "Jadeplant", "PianoL", "Pipes", "Playroom", "Playtable",
      "PlaytableP", "Recycle", "Shelves", "Teddy", "Vintage",
    ]
    let split: [String: Any] = [
      "policy": ["seed": 0, "validationFraction": 0.1],
      "trainingSources": eth3d.map { "eth3d-two-view/\($0)" }
        + middlebury.map { "middlebury-2014-quarter/\($0)" },
      "validationSources": [
        "eth3d-two-view/delivery_area_3s", "eth3d-two-view/playground_2s",
        "eth3d-two-view/terrains_1s", "middlebury-2014-quarter/Piano",
      ],
    ]
    func json(_ object: Any) throws -> String {
      String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
    let model: [String: Any] = [
      "maximumDisparity": 47, "minimumDisparity": 0, "preset": "realtime",
    ]
    let training: [String: Any] = [
      "batchSize": 6, "checkpointInterval": 250, "height": 192, "learningRate": 0.003,
      "loss": [
        "consistencyWeight": 0, "masksOutOfBounds": true, "smoothness": "edgeAware",
        "smoothnessWeight": 0.01, "ssimWeight": 0,
      ],
      "model": model, "schedule": ["milestones": [5000, 5600]], "seed": 1, "steps": 6000,
      "validationInterval": 1000, "width": 336,
      "data": [
        "format": "auto", "fps": "1.0", "kind": "mixed", "syntheticShare": "0.5",
        "paths": try json([
          "/work/shared/data/eth3d-two-view", "/work/shared/data/middlebury-2014-quarter",
        ]),
        "split": try json(split),
      ],
    ]
    return try json([
      "configuration": model, "format": "wnet", "notes": ["command": "wnet train"],
      "step": 6000, "training": training, "version": 1,
    ])
  }

  @Test("The data record of checkpoints written before the typed recipe converts")
  func legacyRecord() throws {
    // A checkpoint of the previous version: its metadata records two dataset paths, share
    // "0.5", format "auto", fps "1.0" and a split holding out 4 of 40 sources by fraction 0.1
    // with seed 0.
    let url = try temporaryDirectory().appendingPathComponent("legacy.safetensors")
    try SafeTensors.write(
      [(name: "model.bias", tensor: Tensor(shape: [1], scalars: [0]))],
      metadata: ["wnet": try legacyMetadata()], to: url)
    let metadata = try WNetCheckpoint.read(url).metadata
    #expect(metadata.version == 1)
    let recipe = try #require(metadata.training)
    #expect(
      recipe.data.sources.map(\.path) == [
        "/work/shared/data/eth3d-two-view", "/work/shared/data/middlebury-2014-quarter",
      ])
    #expect(recipe.data.sources.allSatisfy { $0.format == .automatic && $0.framesPerSecond == 1 })
    #expect(recipe.data.syntheticShare == 0.5)
    #expect(recipe.data.splitPolicy == .fraction(0.1, seed: 0))
    #expect(recipe.data.split?.validationSources.count == 4)
    #expect(recipe.data.split?.trainingSources.count == 36)
    #expect(recipe.data.split?.validationSources.first == "eth3d-two-view/delivery_area_3s")
    #expect(recipe.steps == 6000 && recipe.schedule.milestones == [5000, 5600])

    let synthetic = """
      {"model":{"preset":"realtime","minimumDisparity":0,"maximumDisparity":47},
       "loss":{"smoothness":"edgeAware","smoothnessWeight":0.1,"ssimWeight":0,
               "consistencyWeight":0,"masksOutOfBounds":true},
       "batchSize":6,"height":192,"width":336,"learningRate":0.0001,"steps":10,
       "checkpointInterval":5,"validationInterval":5,"seed":0,
       "data":{"kind":"synthetic","syntheticShare":"1.0"}}
      """
    let old = try JSONDecoder().decode(TrainingRecipe.self, from: Data(synthetic.utf8))
    #expect(old.data == TrainingDataRecipe())

    let broken = synthetic.replacingOccurrences(of: "\"1.0\"", with: "\"lots\"")
    #expect(throws: (any Error).self) {
      try JSONDecoder().decode(TrainingRecipe.self, from: Data(broken.utf8))
    }
  }

  @Test("A training checkpoint written by the previous version resumes with its data converted")
  func resumeLegacyCheckpoint() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recipe = TrainingRecipe(
      model: WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 5),
      batchSize: 1, height: 8, width: 16, learningRate: 1e-3, steps: 4, seed: 3)
    let trainer = try Trainer(recipe: recipe)
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: 1)
    try trainer.train(on: StereoBatchTensors(left: pair.left, right: pair.right))
    let url = directory.appendingPathComponent("c.safetensors")
    try trainer.saveCheckpoint(to: url)

    // Rewrite the metadata as version 1 wrote it: `data` a record of strings.
    let (tensors, order, metadata) = try SafeTensors.read(from: url)
    let stored = try #require(metadata["wnet"])
    var json = try #require(
      JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
    var training = try #require(json["training"] as? [String: Any])
    training["data"] = [
      "kind": "mixed", "paths": "[\"/data/a\",\"/data/b\"]", "format": "middlebury",
      "fps": "2.0", "syntheticShare": "0.25",
      "split": "{\"policy\":{\"seed\":4,\"heldOutSources\":[\"b/x\"]},"
        + "\"trainingSources\":[\"a/y\"],\"validationSources\":[\"b/x\"]}",
    ]
    json["training"] = training
    json["version"] = 1
    let old = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    try SafeTensors.write(
      order.map { (name: $0, tensor: tensors[$0]!) }, metadata: ["wnet": old], to: url)

    let resumed = try Trainer(resumingFrom: url)
    #expect(resumed.step == 1)
    let data = resumed.recipe.data
    #expect(data.sources.map(\.path) == ["/data/a", "/data/b"])
    #expect(data.sources.allSatisfy { $0.format == .middlebury && $0.framesPerSecond == 2 })
    #expect(data.syntheticShare == 0.25)
    #expect(
      data.splitPolicy == SplitPolicy(heldOutSources: ["b/x"], validationFraction: nil, seed: 4))
    #expect(data.split?.trainingSources == ["a/y"] && data.split?.validationSources == ["b/x"])
    var expected = recipe
    expected.data = data
    #expect(resumed.recipe == expected)
  }

  @Test("A step with a non-finite loss changes nothing and says why")
  func nonFiniteStep() throws {
    let model = WNet(
      configuration: WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 5),
      seed: 2)
    let before = model.parameters.namedTensors.map { $0.tensor.scalars }
    let loss = StereoLoss(configuration: .preset(.realtime), minimumDisparity: 0)
    let step = TrainingStep(model: model, loss: loss, optimizer: Adam(learningRate: 1e-3))
    let pair = constantShiftPair(batch: 1, height: 8, width: 16, shift: 2, seed: 1)
    var scalars = pair.left.scalars
    scalars[5] = .nan
    let poisoned = Tensor(shape: pair.left.shape, scalars: scalars)
    var context = ForwardContext.inference
    #expect(throws: TrainingStep.Failure.self) {
      try step(left: poisoned, right: pair.right, context: &context)
    }
    #expect(model.parameters.namedTensors.map { $0.tensor.scalars } == before)
  }

  @Test("Adaptation takes the steps of the plain loop it replaced, and reports each")
  func adaptationMatchesPlainLoop() throws {
    let configuration = WNetConfiguration(
      preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    let model = WNet(configuration: configuration, seed: 4)
    let pair = constantShiftPair(batch: 1, height: 16, width: 32, shift: 3, seed: 5)
    let steps = 3
    let reports = ReportLog()
    let adaptation = TestTimeAdaptation(
      steps: steps, learningRate: 1e-3, progress: { reports.append($0, $1, $2) })
    let (adapted, before, after) = try adaptation.adapted(model, left: pair.left, right: pair.right)

    // The loop TestTimeAdaptation held before it called TrainingStep, written out.
    let copy = model.copy()
    let objective = StereoLoss(configuration: .preset(.realtime), minimumDisparity: 0)
    let optimizer = Adam(learningRate: 1e-3)
    var losses: [Float] = []
    for _ in 0..<steps {
      copy.parameters.zeroGradients()
      var context = ForwardContext.inference
      let output = copy(left: pair.left, right: pair.right, context: &context)
      let (total, terms) = objective(output, left: pair.left, right: pair.right)
      losses.append(terms.total)
      total.backward()
      optimizer.update(copy.parameters)
    }
    for ((name, a), (_, b)) in zip(adapted.parameters.namedTensors, copy.parameters.namedTensors) {
      #expect(a.scalars == b.scalars, "\(name) differs from the plain loop")
    }
    #expect(reports.entries.map { $0.step } == [1, 2, 3])
    #expect(reports.entries.allSatisfy { $0.total == steps })
    #expect(reports.entries.map { $0.loss } == losses)
    // The first step's loss is the loss before adapting (the same inference-mode forward).
    #expect(abs(losses[0] - before) <= 1e-6 * max(1, abs(before)))
    #expect(after < before)
  }
}

/// Collects adaptation progress reports (the callback is `@Sendable`).
final class ReportLog: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var entries: [(step: Int, total: Int, loss: Float)] = []

  func append(_ step: Int, _ total: Int, _ loss: Float) {
    lock.lock()
    defer { lock.unlock() }
    entries.append((step, total, loss))
  }
}
