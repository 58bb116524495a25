import Foundation
import StereoDepth
import StereoTensor
import Testing

/// Runs exported ONNX files with the `onnx` checker and onnxruntime, when `python3` has them.
///
/// Tensors travel as raw little-endian float32 files in NCHW order; the script prints a JSON
/// ``Report``. Tests that use it carry `.enabled(if: ONNXRuntimeSupport.isAvailable, …)`.
enum ONNXRuntimeSupport {
  /// Whether `python3` imports `onnx`, `onnxruntime` and NumPy.
  static let isAvailable: Bool = {
    guard let result = try? PythonSupport.run(arguments: ["-c", "import onnx, onnxruntime, numpy"])
    else { return false }
    return result.status == 0
  }()

  /// The note shown when the ONNX checks are skipped.
  static let skipNote: Comment =
    "python3 with onnx, onnxruntime and NumPy not found (scripts/setup.sh installs them); the ONNX checks are skipped"

  /// Checks the model (`onnx.checker.check_model` with `full_check`, which adds strict shape
  /// inference), runs it on `left.f32` and `right.f32` (`[N, 3, H, W]`) in a directory with
  /// onnxruntime's CPU provider, writes each output to `<name>.f32`, and prints a JSON report.
  ///
  /// Usage: `script MODEL DIRECTORY N H W`.
  static let script = #"""
    import json, sys
    import numpy as np
    import onnx
    import onnxruntime as ort

    model_path, directory = sys.argv[1], sys.argv[2]
    n, h, w = (int(v) for v in sys.argv[3:6])
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)

    def dims(value):
        return [d.dim_param or str(d.dim_value) for d in value.type.tensor_type.shape.dim]

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    feeds = {name: np.fromfile(f"{directory}/{name}.f32", dtype="<f4").reshape(n, 3, h, w)
             for name in ("left", "right")}
    names = [o.name for o in session.get_outputs()]
    shapes = {}
    for name, value in zip(names, session.run(names, feeds)):
        value.astype("<f4").tofile(f"{directory}/{name}.f32")
        shapes[name] = list(value.shape)
    print(json.dumps({
        "irVersion": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "inputs": {i.name: dims(i) for i in model.graph.input},
        "outputs": {o.name: dims(o) for o in model.graph.output},
        "outputShapes": shapes,
        "opTypes": sorted({node.op_type for node in model.graph.node}),
        "metadata": {p.key: p.value for p in model.metadata_props},
    }))
    """#

  /// What the script reports about a model and its run.
  struct Report: Decodable {
    var irVersion: Int
    var opsets: [String: Int]
    /// Declared dimensions per input, symbolic ones by name.
    var inputs: [String: [String]]
    var outputs: [String: [String]]
    /// The shapes onnxruntime produced.
    var outputShapes: [String: [Int]]
    var opTypes: [String]
    var metadata: [String: String]
  }

  /// What onnxruntime computed: each output's NCHW values, and the report.
  struct Run {
    var outputs: [String: [Float]]
    var report: Report
  }

  /// Writes `model`, feeds it `left` and `right` (NHWC `[N, H, W, 3]`, converted to NCHW), and
  /// returns onnxruntime's outputs.
  static func run(_ model: ONNXModel, left: Tensor, right: Tensor) throws -> Run {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let modelURL = directory.appendingPathComponent("model.onnx")
    try model.serializedData.write(to: modelURL)
    try writeFloats(nchw(left), to: directory.appendingPathComponent("left.f32"))
    try writeFloats(nchw(right), to: directory.appendingPathComponent("right.f32"))
    let (n, h, w) = (left.shape[0], left.shape[1], left.shape[2])
    let output = try PythonSupport.runScript(
      script, arguments: [modelURL.path, directory.path, "\(n)", "\(h)", "\(w)"])
    let report = try JSONDecoder().decode(Report.self, from: output)
    var outputs: [String: [Float]] = [:]
    for name in report.outputShapes.keys {
      outputs[name] = try readFloats(directory.appendingPathComponent("\(name).f32"))
    }
    return Run(outputs: outputs, report: report)
  }

  /// `[N, H, W, C]` scalars in `[N, C, H, W]` order.
  static func nchw(_ tensor: Tensor) -> [Float] {
    let (n, h, w, c) = tensor.nhwc("nchw")
    let values = tensor.scalars
    var result = [Float](repeating: 0, count: values.count)
    for ni in 0..<n {
      for y in 0..<h {
        for x in 0..<w {
          for ci in 0..<c {
            result[((ni * c + ci) * h + y) * w + x] = values[((ni * h + y) * w + x) * c + ci]
          }
        }
      }
    }
    return result
  }

  static func writeFloats(_ values: [Float], to url: URL) throws {
    var bytes = [UInt8]()
    bytes.reserveCapacity(4 * values.count)
    for value in values {
      let bits = value.bitPattern.littleEndian
      withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
    }
    try Data(bytes).write(to: url)
  }

  static func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return stride(from: 0, to: data.count - 3, by: 4).map { offset in
      var bits: UInt32 = 0
      for byte in 0..<4 { bits |= UInt32(data[data.startIndex + offset + byte]) << (8 * byte) }
      return Float(bitPattern: bits)
    }
  }
}
