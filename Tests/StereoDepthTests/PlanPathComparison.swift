import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoDepth

/// Checks that two paths of the bundled `matching` plan give the same maps.
///
/// The pair is random (`[1, 64, 128, 3]` from `seed`), its right view the left shifted by 9 px so
/// that the model sees a real stereo pair; the plan scores both views in `Float`, once inside
/// `path(true, run)` and once inside `path(false, run)` (each sets its task-local choice and calls
/// `run`). The maps of both views must agree within 5e-3 px (`Float` rounding in another order,
/// carried through some twenty layers and softmaxes over up to 256 candidates: up to 0.9e-3 px
/// with session 42's weights and 1.4e-3 with session 46's on these random views; a lost bias,
/// ReLU or tap moves them by pixels), and differ somewhere (the other path ran).
func expectPlanPathsAgree(
  seed: UInt64,
  _ path: (Bool, () -> (left: Tensor, right: Tensor)) -> (left: Tensor, right: Tensor)
) throws {
  let model = try PretrainedModel.load().model
  let left = randomTensor([1, 64, 128, 3], seed: seed, in: 0...1)
  let right = left.padded(axis: 2, before: 9, after: 0, mode: .replicate).slice(axis: 2, 0..<128)
  let plan = InferencePlan(model.network, views: .both, rightDroppingScales: 1)
  func maps(_ choice: Bool) -> (left: Tensor, right: Tensor) {
    withBackend(Backends.backend(precision: .float32)!) {
      path(choice) {
        let both = plan.bothViews(left: left, right: right)
        return (both.disparity, both.rightDisparity)
      }
    }
  }
  let (chosen, other) = (maps(true), maps(false))
  let spread = chosen.left.max().scalar - chosen.left.min().scalar
  #expect(spread > 1, "the model should give varied disparities, spread \(spread)")
  #expect(maximumAbsoluteDifference(chosen.left, other.left) < 5e-3)
  #expect(maximumAbsoluteDifference(chosen.right, other.right) < 5e-3)
  #expect(chosen.left.scalars != other.left.scalars)
}
