import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

@Suite("Training recovers a known shift")
struct TinyOverfitTests {
  @Test("A realtime W-net learns a constant 3-pixel shift within 0.5 px")
  func recoversConstantShift() throws {
    let shift = 3
    let model = WNetConfiguration(preset: .realtime, minimumDisparity: 0, maximumDisparity: 7)
    let configuration = TrainingRecipe(
      model: model, batchSize: 2, height: 16, width: 48, learningRate: 3e-3, steps: 120, seed: 7)
    let trainer = try Trainer(recipe: configuration)
    let pair = constantShiftPair(batch: 2, height: 16, width: 48, shift: shift, seed: 11)
    let batch = StereoBatchTensors(left: pair.left, right: pair.right)
    let first = try trainer.train(on: batch)
    var last = first
    for _ in 1..<configuration.steps { last = try trainer.train(on: batch) }
    #expect(
      last.reconstruction < first.reconstruction * 0.5,
      "reconstruction \(first.reconstruction) → \(last.reconstruction)")
    // The left disparity away from the left border (where x − d leaves the image).
    let output = withoutGradients {
      var context = ForwardContext.inference
      return trainer.model(left: pair.left, right: pair.right, context: &context)
    }
    let disparity = output.left.disparity
    var values: [Float] = []
    for n in 0..<2 { for y in 0..<16 { for x in 8..<48 { values.append(disparity[n, y, x, 0]) } } }
    let mean = values.reduce(0, +) / Float(values.count)
    #expect(Swift.abs(mean - Float(shift)) < 0.5, "mean left disparity \(mean), expected \(shift)")
    let right = output.right.disparity
    var rightValues: [Float] = []
    for n in 0..<2 { for y in 0..<16 { for x in 0..<40 { rightValues.append(right[n, y, x, 0]) } } }
    let rightMean = rightValues.reduce(0, +) / Float(rightValues.count)
    #expect(
      Swift.abs(rightMean - Float(shift)) < 0.5,
      "mean right disparity \(rightMean), expected \(shift)")
  }
}
