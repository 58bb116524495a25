import Foundation
import StereoData
import StereoDepth
import Testing
import _StereoTestSupport

/// The files `wnet infer` writes, read back by NumPy and by ImageIO.
@Suite("PredictionWriter: the files people load")
struct PredictionWriterTests {
  @Test(
    "npy files load in numpy as float32 (H, W), equal to the PFMs; depth.png in mm",
    .enabled(if: PythonSupport.hasNumPy, PythonSupport.skipNote))
  func numpyAndMillimetres() throws {
    let model = WNet(configuration: WNetConfiguration(preset: .realtime), seed: 2)
    let (left, right) = DisparityEstimatorTests.shiftedPair(
      width: 40, height: 24, shift: 3, seed: 4)
    let prediction = try DisparityEstimator(model: model).predict(
      left: left, right: right, maximumDisparity: 20)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-writer-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: folder) }
    let camera = RectifiedStereoCamera(
      focalLength: 500, principalPointX: 20, principalPointY: 12, baseline: 0.1,
      disparityOffset: 0)
    let written = try PredictionWriter(
      directory: folder.appendingPathComponent("nested/pair"),
      formats: [.numpy, .depthMillimetres], camera: camera
    ).write(prediction, left: left)
    let names = Set(written.map(\.lastPathComponent))
    #expect(
      names == [
        "disparity.pfm", "disparity.png", "disparity-color.png", "confidence.png",
        "disparity.npy", "depth.pfm", "depth.npy", "depth.png",
      ])
    let pair = folder.appendingPathComponent("nested/pair")
    let script = """
      import numpy as np, sys
      for name in ("disparity", "depth"):
          a = np.load(sys.argv[1] + "/" + name + ".npy")
          print(name, a.dtype, a.shape, ' '.join(repr(float(v)) for v in a.ravel()))
      """
    let output = String(
      decoding: try PythonSupport.runScript(script, arguments: [pair.path]), as: UTF8.self)
    let lines = output.split(separator: "\n").map(String.init)
    let disparity = try ImageIO.read(pair.appendingPathComponent("disparity.pfm"))
    let depth = try ImageIO.read(pair.appendingPathComponent("depth.pfm"))
    for (line, name, expected) in [(lines[0], "disparity", disparity), (lines[1], "depth", depth)] {
      let fields = line.split(separator: " ").map(String.init)
      #expect(
        fields[0] == name && fields[1] == "float32" && fields[2] == "(24," && fields[3] == "40)")
      let values = fields[4...].map { Float($0)! }
      #expect(values == expected.pixels, "\(name).npy differs from \(name).pfm")
    }
    // Z = f·B / d, in millimetres, rounded: from the PFM disparity, by the formula.
    let millimetres = try ImageIO.read(pair.appendingPathComponent("depth.png"))
    for index in stride(from: 0, to: disparity.pixels.count, by: 37) {
      let d = disparity.pixels[index]
      let z = 500 * 0.1 / d * 1000
      let expected = d > 0 && z.rounded() <= 65535 ? Int(z.rounded()) : 0
      #expect(abs(Int((millimetres.pixels[index] * 65535).rounded()) - expected) <= 1)
    }
  }
}
