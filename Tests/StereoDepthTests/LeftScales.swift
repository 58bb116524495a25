import StereoData
import StereoNN
import StereoTensor
import Testing

@testable import StereoDepth

/// A seeded ray-cast scene, `width × height` with disparities `0…maximumDisparity`, as a network's
/// input: both views stacked, `[1, H, W, 6]`.
func syntheticInput(width: Int, height: Int, maximumDisparity: Float, seed: UInt64) -> Tensor {
  let generator = SyntheticStereoGenerator(
    configuration: SyntheticStereoGenerator.Configuration(
      width: width, height: height, minimumDisparity: 0, maximumDisparity: maximumDisparity))
  var random = SeededGenerator(seed: seed)
  let pair = generator.makePair(using: &random)
  return Tensor.concatenate([pair.left.tensor, pair.right.tensor], axis: 3)
}

/// The left view's scores and hand-ons at every scale of a `matching` model on `input`, in
/// inference mode (coarsest first), and the builder that holds their tensors.
func leftScales(_ model: WNet, input: Tensor) throws -> (
  scales: [ScaleScores<TrainingGraphBuilder.Value>], builder: TrainingGraphBuilder
) {
  var builder = TrainingGraphBuilder(context: ForwardContext.inference)
  let network = try #require(model.network as? MatchingWNet)
  let scales = withoutGradients {
    network.buildScales(TrainingGraphBuilder.Value(input), views: .left, into: &builder)
  }
  return (scales, builder)
}
