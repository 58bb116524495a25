import Foundation
import StereoData
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// The exported ONNX graph, checked by `onnx.checker` and run by onnxruntime, against our own
/// inference: the left selection layer's `disparity` and `probabilities`.
@Suite("ONNX export matches Swift inference")
struct ONNXExportTests {
  /// One comparison: a preset at a size that needs no resizing.
  struct Case: Sendable, CustomTestStringConvertible {
    var preset: WNetPreset
    var height: Int
    var width: Int
    var includesProbabilities: Bool
    var testDescription: String {
      "\(preset.rawValue) \(height)x\(width)\(includesProbabilities ? " with probabilities" : "")"
    }
  }

  static let cases = [
    Case(preset: .realtime, height: 32, width: 48, includesProbabilities: true),
    Case(preset: .realtime, height: 64, width: 96, includesProbabilities: false),
    Case(preset: .original, height: 32, width: 32, includesProbabilities: true),
  ]

  /// Disparity tolerance, pixels: float32 rounding through ~20 layers, summed in other orders.
  static let disparityTolerance: Float = 1e-4
  /// Probability tolerance.
  static let probabilityTolerance: Float = 1e-5

  @Test(
    "onnxruntime reproduces disparity (and probabilities) on random and synthetic-scene inputs",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote),
    arguments: cases)
  func matchesSwiftInference(_ testCase: Case) throws {
    let model = makePerturbedModel(testCase.preset, seed: 11)
    let configuration = model.configuration
    let (h, w) = (testCase.height, testCase.width)
    // Sample 0: uniform noise; sample 1: a ray-cast synthetic scene inside the candidate range.
    let noise = (
      left: randomTensor([1, h, w, 3], seed: 1, in: 0...1),
      right: randomTensor([1, h, w, 3], seed: 2, in: 0...1)
    )
    let scene = syntheticPair(height: h, width: w, disparities: configuration, seed: 3)
    let left = Tensor.concatenate([noise.left, scene.left], axis: 0)
    let right = Tensor.concatenate([noise.right, scene.right], axis: 0)

    let expected = swiftInference(model, left: left, right: right)
    let exporter = ONNXExporter(includesProbabilities: testCase.includesProbabilities)
    let run = try ONNXRuntimeSupport.run(exporter.makeModel(model), left: left, right: right)

    let report = run.report
    #expect(report.irVersion == ONNXExporter.irVersion)
    #expect(report.opsets == ["ai.onnx": ONNXExporter.opsetVersion])
    #expect(report.inputs == ["left": ["N", "3", "H", "W"], "right": ["N", "3", "H", "W"]])
    var outputs = ["disparity": ["N", "1", "H", "W"]]
    if testCase.includesProbabilities {
      outputs["probabilities"] = ["N", "\(configuration.candidateCount)", "H", "W"]
    }
    #expect(report.outputs == outputs)
    #expect(report.outputShapes["disparity"] == [2, 1, h, w])
    #expect(!report.opTypes.contains("Dropout"))
    #expect(report.metadata["wnet.preset"] == testCase.preset.rawValue)

    let disparity = try #require(run.outputs["disparity"])
    let reference = expected.disparity.scalars  // [N, H, W, 1] has NCHW order too
    try #require(disparity.count == reference.count)
    let perSample = (0..<2).map { sample in
      let range = (sample * h * w)..<((sample + 1) * h * w)
      return zip(disparity[range], reference[range]).map { abs($0 - $1) }.max() ?? .infinity
    }
    let spread = (reference.max() ?? 0) - (reference.min() ?? 0)
    print(
      "ONNX \(testCase.testDescription): max |Δ disparity| random \(perSample[0]), synthetic \(perSample[1]) px (disparity spread \(spread) px)"
    )
    #expect(perSample[0] <= Self.disparityTolerance, "random input")
    #expect(perSample[1] <= Self.disparityTolerance, "synthetic scene")

    if testCase.includesProbabilities {
      let probabilities = try #require(run.outputs["probabilities"])
      let referenceProbabilities = ONNXRuntimeSupport.nchw(expected.probabilities)
      try #require(probabilities.count == referenceProbabilities.count)
      let difference =
        zip(probabilities, referenceProbabilities).map { abs($0 - $1) }.max() ?? .infinity
      print("ONNX \(testCase.testDescription): max |Δ probability| \(difference)")
      #expect(difference <= Self.probabilityTolerance)
    }
  }

  @Test(
    "Resize (linear, half_pixel) matches our ×2 bilinear up-sampling, edges included",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote))
  func resizeMatchesUpsampling() throws {
    // A graph of one Resize whose inputs are named like the exported models', so the same
    // script runs it: 'left' is resized, 'right' unused but declared.
    let (h, w) = (3, 5)
    let node = ONNXNode(
      opType: "Resize", name: "disparity", inputs: ["left", "", "scales"], outputs: ["disparity"],
      attributes: [
        ONNXAttribute("mode", .string("linear")),
        ONNXAttribute("coordinate_transformation_mode", .string("half_pixel")),
      ])
    let graph = ONNXGraph(
      name: "resize", nodes: [node],
      initializers: [ONNXTensor(name: "scales", shape: [4], floats: [1, 1, 2, 2])],
      inputs: ["left", "right"].map {
        ONNXValueInfo(name: $0, shape: [.symbolic("N"), .fixed(3), .symbolic("H"), .symbolic("W")])
      },
      outputs: [
        ONNXValueInfo(
          name: "disparity", shape: [.symbolic("N"), .fixed(3), .symbolic("H2"), .symbolic("W2")])
      ])
    let model = ONNXModel(
      irVersion: ONNXExporter.irVersion, opsetVersion: ONNXExporter.opsetVersion,
      producerName: "test",
      producerVersion: "0", graph: graph)
    let input = randomTensor([1, h, w, 3], seed: 5, in: 0...1)
    let run = try ONNXRuntimeSupport.run(model, left: input, right: input)
    let resized = try #require(run.outputs["disparity"])
    let expected = ONNXRuntimeSupport.nchw(withoutGradients { input.upsampled2x() })
    try #require(resized.count == expected.count)
    let difference = zip(resized, expected).map { abs($0 - $1) }.max() ?? .infinity
    #expect(difference <= 1e-6)
  }

  @Test(
    "onnxruntime reproduces disparity on Middlebury Tsukuba (half size), when the data is there",
    .enabled(if: ONNXRuntimeSupport.isAvailable, ONNXRuntimeSupport.skipNote),
    .enabled(if: TsukubaPair.isAvailable, "../shared/data/middlebury-2001-2003/tsukuba not found"))
  func matchesOnTsukuba() throws {
    let (left, right) = try TsukubaPair.readHalfSize()
    #expect(left.shape == [1, 144, 192, 3])
    let model = makePerturbedModel(.realtime, seed: 4)
    let expected = swiftInference(model, left: left, right: right)
    let run = try ONNXRuntimeSupport.run(ONNXExporter().makeModel(model), left: left, right: right)
    let disparity = try #require(run.outputs["disparity"])
    let difference =
      zip(disparity, expected.disparity.scalars).map { abs($0 - $1) }.max() ?? .infinity
    print("ONNX realtime on Tsukuba 144x192: max |Δ disparity| \(difference) px")
    #expect(difference <= Self.disparityTolerance)
  }
}

// MARK: - Helpers

/// A seeded model whose batch-norm statistics, scales, shifts and biases are random rather than
/// their initial 0 and 1, so that a wrong folding or a transposed weight changes the output.
func makePerturbedModel(_ preset: WNetPreset, seed: UInt64) -> WNet {
  makePerturbedModel(WNetConfiguration(preset: preset), seed: seed)
}

/// ``makePerturbedModel(_:seed:)`` for any configuration (a `matching` option, say).
func makePerturbedModel(_ configuration: WNetConfiguration, seed: UInt64) -> WNet {
  let preset = configuration.preset
  let model = WNet(configuration: configuration, seed: seed)
  var generator = SeededGenerator(seed: seed &+ 1000)
  for (name, parameter) in model.parameters.entries {
    let range: ClosedRange<Float>
    if name.hasSuffix("running_mean") {
      range = -0.3...0.3
    } else if name.hasSuffix("running_variance") {
      range = 0.5...2
    } else if name.hasSuffix("bn.scale") {
      range = 0.6...1.4
    } else if name.hasSuffix("bn.shift") || name.hasSuffix("bias") {
      range = -0.2...0.2
    } else {
      continue
    }
    let values = (0..<parameter.value.count).map { _ in Float.random(in: range, using: &generator) }
    parameter.value = Tensor(shape: parameter.shape, scalars: values)
  }
  // Sharpen the distributions: untrained logits are nearly equal, which would average errors away.
  let matchingHeads = ["coarse.head.filter"] + (0..<3).map { "refine.\($0).head.filter" }
  for name in ["head.filter", "head.left.conv.pointwise.filter"] + matchingHeads {
    if let filter = model.parameters[name] {
      filter.value = filter.value * headSharpening[preset, default: 1]
    }
  }
  return model
}

/// The factor on the final 1×1 filter that spreads the untrained disparities over much of the
/// range (to about 15 px of 47 for `realtime`, 7 of 31 for `original`).
let headSharpening: [WNetPreset: Float] = [.realtime: 6, .original: 24, .matching: 4]

/// Our inference path: the network in inference mode, then the left selection layer.
///
/// - Returns: disparity `[N, H, W, 1]` and probabilities `[N, H, W, D]`.
func swiftInference(_ model: WNet, left: Tensor, right: Tensor) -> (
  disparity: Tensor, probabilities: Tensor
) {
  withoutGradients {
    var context = ForwardContext.inference
    let input = Tensor.concatenate([left, right], axis: 3)
    let logits = model.network.logits(input, context: &context)
    let selection = model.leftSelection(logits: logits.left, source: right)
    return (selection.disparity, selection.probabilities)
  }
}

/// A ray-cast synthetic pair, `[1, H, W, 3]` each, with disparities inside the model's
/// candidates.
func syntheticPair(height: Int, width: Int, disparities: WNetConfiguration, seed: UInt64) -> (
  left: Tensor, right: Tensor
) {
  let generator = SyntheticStereoGenerator(
    configuration: SyntheticStereoGenerator.Configuration(
      width: width, height: height, minimumDisparity: Float(max(disparities.minimumDisparity, -8)),
      maximumDisparity: Float(min(disparities.maximumDisparity, 12))))
  var random = SeededGenerator(seed: seed)
  let pair = generator.makePair(using: &random)
  return (pair.left.tensor, pair.right.tensor)
}

/// Middlebury's Tsukuba pair from the shared data folder, decoded by a stdlib-only Python PNG
/// reader (our own PNG decoder is not merged yet) and averaged over 2×2 blocks to 192×144.
enum TsukubaPair {
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/middlebury-2001-2003/tsukuba").standardized

  static var isAvailable: Bool {
    ["imL.png", "imR.png"].allSatisfy {
      FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
    }
  }

  /// Decodes 8-bit RGB, non-interlaced PNGs (all five filter types) with zlib, halves them by 2×2
  /// means, and writes `[H/2, W/2, 3]` float32 in [0, 1] to `<out>.f32`, printing the shape.
  static let script = #"""
    import json, struct, sys, zlib
    import numpy as np

    def read_png(path):
        data = open(path, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        position, compressed = 8, b""
        while position < len(data):
            length, kind = struct.unpack(">I4s", data[position:position + 8])
            body = data[position + 8:position + 8 + length]
            position += 12 + length
            if kind == b"IHDR":
                width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                compressed += body
        assert (depth, colour, interlace) == (8, 2, 0), "only 8-bit RGB without interlacing"
        raw, stride, bpp = zlib.decompress(compressed), 3 * width, 3
        previous, rows = bytearray(stride), []
        for y in range(height):
            start = y * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                if kind == 1: line[i] = (line[i] + a) & 255
                elif kind == 2: line[i] = (line[i] + b) & 255
                elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            rows.append(bytes(line))
            previous = line
        return np.frombuffer(b"".join(rows), np.uint8).reshape(height, width, 3)

    shapes = []
    for source, target in zip(sys.argv[1::2], sys.argv[2::2]):
        image = read_png(source).astype(np.float32) / 255
        h, w = image.shape[0] // 2, image.shape[1] // 2
        half = image[:2 * h, :2 * w].reshape(h, 2, w, 2, 3).mean(axis=(1, 3))
        half.astype("<f4").tofile(target)
        shapes.append([h, w])
    print(json.dumps(shapes))
    """#

  /// The pair at half size, `[1, 144, 192, 3]` each, in [0, 1].
  static func readHalfSize() throws -> (left: Tensor, right: Tensor) {
    let temporary = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: temporary) }
    let names = ["imL", "imR"]
    var arguments: [String] = []
    for name in names {
      arguments += [
        directory.appendingPathComponent("\(name).png").path,
        temporary.appendingPathComponent("\(name).f32").path,
      ]
    }
    let output = try PythonSupport.runScript(script, arguments: arguments)
    let shapes = try JSONDecoder().decode([[Int]].self, from: output)
    let tensors = try zip(names, shapes).map { name, shape in
      Tensor(
        shape: [1, shape[0], shape[1], 3],
        scalars: try ONNXRuntimeSupport.readFloats(temporary.appendingPathComponent("\(name).f32")))
    }
    return (tensors[0], tensors[1])
  }
}

/// What the exported graphs contain, without running them.
@Suite("ONNX export graph structure")
struct ONNXExportStructureTests {
  func initializerShape(_ model: ONNXModel, _ name: String) -> [Int]? {
    model.graph.initializers.first { $0.name == name }?.shape
  }

  @Test("realtime: batch norm folded, the head's left half only, no slicing")
  func realtime() {
    let wnet = WNet(configuration: WNetConfiguration(preset: .realtime), seed: 1)
    let model = ONNXExporter().makeModel(wnet)
    let opTypes = Set(model.graph.nodes.map(\.opType))
    #expect(
      opTypes == ["Concat", "Conv", "Relu", "MaxPool", "Resize", "Softmax", "Mul", "ReduceSum"])
    // stem 1 + stem block 2 + encoder 3×2×2 + decoder 3×2×2 + head 1.
    #expect(model.graph.nodes.filter { $0.opType == "Conv" }.count == 28)
    #expect(initializerShape(model, "head.weight") == [48, 32, 1, 1])
    #expect(initializerShape(model, "head.bias") == [48])
    #expect(initializerShape(model, "encoder.0.0.depthwise.conv.weight") == [32, 1, 3, 3])
    #expect(initializerShape(model, "selection.candidates") == [1, 48, 1, 1])
    #expect(model.graph.inputs.map(\.name) == ["left", "right"])
    #expect(
      model.graph.inputs[0].shape == [.symbolic("N"), .fixed(3), .symbolic("H"), .symbolic("W")])
    #expect(model.graph.outputs.map(\.name) == ["disparity"])
    #expect(model.irVersion == 8 && model.opsetVersion == 17)
  }

  @Test("original: left head only, ConvTranspose weights [C_in, C_out, s, s], no dropout")
  func original() {
    let wnet = WNet(configuration: WNetConfiguration(preset: .original), seed: 1)
    let model = ONNXExporter(includesProbabilities: true).makeModel(wnet)
    let opTypes = Set(model.graph.nodes.map(\.opType))
    #expect(
      opTypes.isSuperset(of: ["ConvTranspose", "BatchNormalization", "Slice", "Add", "MaxPool"]))
    #expect(!opTypes.contains("Dropout"))
    #expect(initializerShape(model, "decoder.0.up.weight") == [512, 256, 2, 2])
    #expect(initializerShape(model, "head.left.up4.weight") == [128, 32, 16, 16])
    #expect(initializerShape(model, "head.left.conv.pointwise.weight") == [32, 32, 1, 1])
    #expect(!model.graph.nodes.contains { $0.name.contains("right") })
    #expect(model.graph.outputs.map(\.name) == ["disparity", "probabilities"])
    #expect(
      model.graph.outputs[1].shape == [.symbolic("N"), .fixed(32), .symbolic("H"), .symbolic("W")])
  }

  @Test("Serialization is deterministic and starts with ir_version")
  func deterministic() {
    let wnet = WNet(configuration: WNetConfiguration(preset: .realtime), seed: 2)
    let first = ONNXExporter().serializedModel(wnet)
    #expect(first == ONNXExporter().serializedModel(wnet))
    #expect(Array(first.prefix(2)) == [0x08, 0x08])
  }
}
