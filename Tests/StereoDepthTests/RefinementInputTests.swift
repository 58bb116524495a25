import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

@Suite("The fused refinement input (warp + correlation + concatenation)")
struct RefinementInputTests {
  /// One row, W = 4, C = 2, r = 1, left view (σ = −1), base d0 = (0, 1, 0.5, 1):
  ///
  ///     other = (1,2) (3,4) (5,6) (7,8)
  ///     warped(x) = other(x − d0(x)) = (1,2) (1,2) (4,5) (5,6)   [x=2: between columns 1, 2]
  ///     volume(x, k) = ½ Σ_c F(x, c)·warped(x + 1 − k, c), 0 outside the row
  ///
  /// with F = (1,0) (0,1) (1,1) (2,0): x=0: ½·1, ½·1, 0; x=1: ½·5, ½·2, ½·2;
  /// x=2: ½·11, ½·9, ½·3; x=3: 0, ½·10, ½·8.
  @Test("By hand: a row of four pixels, two channels, offsets −1…1 on the left view")
  func handComputed() {
    let features = Tensor(shape: [1, 1, 4, 2], scalars: [1, 0, 0, 1, 1, 1, 2, 0])
    let other = Tensor(shape: [1, 1, 4, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
    let base = Tensor(shape: [1, 1, 4, 1], scalars: [0, 1, 0.5, 1])
    let output = OffsetSelection.refinementInput(
      features: features, other: other, baseDisparity: base, side: .left, radius: 1)
    #expect(output.shape == [1, 1, 4, 5])
    expectClose(
      output,
      [
        1, 0, 0.5, 0.5, 0,
        0, 1, 2.5, 1, 1,
        1, 1, 5.5, 4.5, 1.5,
        2, 0, 0, 5, 4,
      ])
  }

  @Test(
    "Equals the warp, correlation and concatenation it replaces",
    arguments: [
      (StereoSide.left, 8, 2), (.right, 8, 2), (.left, 16, 3), (.right, 24, 0),
      (.left, 13, 1), (.right, 3, 2),
    ])
  func matchesComposition(side: StereoSide, channels: Int, radius: Int) {
    let (n, h, w) = (2, 3, 37)
    let features = randomTensor([n, h, w, channels], seed: 1)
    let other = randomTensor([n, h, w, channels], seed: 2)
    // Bases from −4 to W + 4 px: taps inside, between columns, and beyond both edges.
    let base = randomTensor([n, h, w, 1], seed: 3, in: -4...Float(w + 4))
    let fused = OffsetSelection.refinementInput(
      features: features, other: other, baseDisparity: base, side: side, radius: radius)
    let composed = OffsetSelection.refinementInputComposed(
      features: features, other: other, baseDisparity: base, side: side, radius: radius)
    #expect(fused.shape == [n, h, w, channels + 2 * radius + 1])
    #expect(maximumAbsoluteDifference(fused, composed) <= 1e-6)
  }

  @Test("The matching plan runs the fused step at each refinement scale, and no warp")
  func planFusesRefinementInputs() {
    let model = WNet(configuration: WNetConfiguration(preset: .matching), seed: 1)
    let plan = InferencePlan(model.network)
    let names = plan.steps.map(\.name)
    #expect(
      !names.contains {
        $0.hasSuffix(".warp") || $0.hasSuffix(".correlation") && $0.hasPrefix("refine")
      })
    // The 1/2 and full-resolution ones (16 and 8 outputs) are built inside their narrow
    // convolutions where that kernel runs; the 1/4 scale's (24 outputs) is stored.
    #expect(
      names.filter { $0.hasPrefix("refine.") && $0.hasSuffix(".concat") }
        == (Tensor.narrowConvolutionAvailable
          ? ["refine.0.left.concat"]
          : [
            "refine.0.left.concat", "refine.1.left.concat", "refine.2.left.concat",
          ]))
  }

  @Test(
    "The refinement convolution equals the narrow convolution of the stored input, bit for bit",
    arguments: [
      (StereoSide.left, 8, 2, 8), (.right, 8, 2, 5), (.left, 3, 1, 1), (.right, 13, 3, 7),
      (.right, 16, 2, 8), (.left, 16, 2, 16), (.right, 8, 2, 11),
    ])
  func convolutionMatchesStoredInput(side: StereoSide, channels: Int, radius: Int, outputs: Int)
    throws
  {
    guard Tensor.narrowConvolutionAvailable else { return }  // no AVX2, or turned off
    try compareConvolutions(side: side, channels: channels, radius: radius, outputs: outputs)
    // In bfloat16 too, where inference runs in it here (both paths then round alike).
    if let backend = Backends.backend(precision: .bfloat16) {
      try withBackend(backend) {
        #expect(Tensor.narrowConvolutionUsesBFloat16 == Tensor.narrowConvolutionBFloat16Supported)
        try compareConvolutions(side: side, channels: channels, radius: radius, outputs: outputs)
      }
    }
  }

  /// The narrow layers sent to oneDNN, as on AMX with `WNET_NARROW_AMX=0` (forced here in `Float`).
  ///
  /// The fused refinement inputs are built first, filters, biases and ReLUs passed on. The
  /// bundled model's maps of both views then equal the kernel's within 5e-3 px (`Float`
  /// rounding in another order); a lost bias or ReLU moves them by pixels.
  @Test("The matching plan with its narrow layers on oneDNN gives the kernel's maps")
  func narrowLayersOnOneDNN() throws {
    guard Tensor.narrowConvolutionAvailable else { return }  // no AVX2, or turned off
    try expectPlanPathsAgree(seed: 21) { narrowKernel, run in
      Tensor.$narrowConvolutionPreference.withValue(narrowKernel, operation: run)
    }
  }

  @Test(
    "The narrow kernel yields to oneDNN only in bfloat16 where oneDNN has AMX and the kernel not")
  func narrowKernelYieldsOnlyToAMX() {
    guard Tensor.narrowConvolutionAvailable else { return }
    #expect(
      withBackend(Backends.backend(precision: .float32)!) { Tensor.narrowConvolutionPreferred })
    guard let bfloat16 = Backends.backend(precision: .bfloat16) else { return }
    let environment = ProcessInfo.processInfo.environment
    let kernelOnAMX = Tensor.narrowConvolutionAMXSupported && environment["WNET_NARROW_AMX"] != "0"
    let keptByRequest = environment["WNET_NARROW_ON_AMX"] == "1"
    #expect(
      withBackend(bfloat16) { Tensor.narrowConvolutionPreferred }
        == (!DNNLBackend.amxSupported || kernelOnAMX || keptByRequest))
    #expect(withBackend(bfloat16) { Tensor.narrowConvolutionUsesAMX } == kernelOnAMX)
  }

  func compareConvolutions(side: StereoSide, channels: Int, radius: Int, outputs: Int) throws {
    let (n, h, w) = (2, 5, 37)
    let width = channels + 2 * radius + 1
    let features = randomTensor([n, h, w, channels], seed: 11)
    let other = randomTensor([n, h, w, channels], seed: 12)
    let base = randomTensor([n, h, w, 1], seed: 13, in: -4...Float(w + 4))
    let filter = randomTensor([outputs, 3, 3, width], seed: 14)
    let bias = randomTensor([outputs], seed: 15)
    let stored = Tensor.narrowConvolution3x3(
      OffsetSelection.refinementInput(
        features: features, other: other, baseDisparity: base, side: side, radius: radius),
      channels: 0..<width, filter: filter, bias: bias, relu: true)
    let fused = OffsetSelection.refinementConvolution(
      features: features, other: other, baseDisparity: base, side: side, radius: radius,
      filter: filter, bias: bias, relu: true)
    #expect(fused.shape == [n, h, w, outputs])
    #expect(fused.scalars == stored.scalars)
  }

  @Test(
    "The C row kernel writes the Swift rows' values bit for bit, in both layouts",
    arguments: [
      (StereoSide.left, 8, 2, 37), (.right, 8, 2, 37), (.left, 16, 2, 21), (.right, 16, 3, 8),
      (.left, 13, 1, 19), (.right, 3, 0, 5), (.left, 24, 3, 40), (.right, 8, 1, 3),
    ])
  func vectorRowMatchesSwiftRow(side: StereoSide, channels: Int, radius: Int, width: Int) {
    guard VectorKernels.available else { return }  // no AVX2 here
    let (rows, k) = (3, 2 * radius + 1)
    let features = randomTensor([rows, width, channels], seed: 21)
    let other = randomTensor([rows, width, channels], seed: 22)
    // Bases from −4 to W + 4 px (taps inside, between columns and beyond both edges), and a NaN.
    var base = randomTensor([rows, width], seed: 23, in: -4...Float(width + 4)).scalars
    base[width + 1] = .nan
    let outputs = channels + k
    func rowsWritten(vectorized: Bool, planar: Bool) -> [Float] {
      // NHWC rows, or planes with a column of padding on each side (kept as written: NaN).
      let length = width + 2
      var out = [Float](repeating: .nan, count: rows * width * outputs + rows * outputs * length)
      features.scalars.withUnsafeBufferPointer { f in
        other.scalars.withUnsafeBufferPointer { o in
          base.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { out in
              let writer = RefinementInputRow(
                features: f.baseAddress!, other: o.baseAddress!, base: b.baseAddress!,
                width: width, channels: channels, radius: radius, side: side,
                vectorized: vectorized)
              for row in 0..<rows {
                if planar {
                  writer.write(
                    row: row, to: out.baseAddress! + row * outputs * length + 1, pixelStride: 1,
                    channelStride: length)
                } else {
                  writer.write(
                    row: row, to: out.baseAddress! + row * width * outputs,
                    pixelStride: outputs, channelStride: 1)
                }
              }
            }
          }
        }
      }
      return out
    }
    for planar in [false, true] {
      let swift = rowsWritten(vectorized: false, planar: planar)
      let vector = rowsWritten(vectorized: true, planar: planar)
      let differing = zip(swift, vector).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(differing == 0, "\(planar ? "planes" : "NHWC"): \(differing) values differ")
      // The test can fail: the rows hold scores, not only the copied features.
      #expect(swift.contains { $0.isFinite && $0 != 0 })
    }
  }
}
