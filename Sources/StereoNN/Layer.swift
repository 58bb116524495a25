import StereoTensor

/// What a forward pass needs besides its input: the mode, and the random generator for dropout.
public struct ForwardContext: Sendable {
  /// Training mode: batch norm uses and updates batch statistics, dropout drops.
  public var isTraining: Bool
  /// The source of dropout masks.
  public var generator: SeededGenerator
  /// In training mode, the weight of this pass's batch statistics in every batch norm's running
  /// averages, in place of each layer's own momentum (`nil`: the layer's). Pass `t` (from 0)
  /// of a recalibration uses `1/(t + 1)`, so that the running statistics become the plain
  /// average of the passes' batch statistics.
  public var batchNormMomentum: Float?

  /// Creates a context.
  public init(isTraining: Bool, generator: SeededGenerator = SeededGenerator(seed: 0)) {
    self.isTraining = isTraining
    self.generator = generator
  }

  /// Inference mode.
  public static var inference: ForwardContext { ForwardContext(isTraining: false) }
}

/// A building block with named parameters.
///
/// Layers with weights are classes (their parameters are shared references); the forward pass is
/// `callAsFunction(_:context:)`, taking `[N, H, W, C]` activations.
public protocol Layer: AnyObject {
  /// The layer's parameters, names relative to the layer.
  var parameters: Parameters { get }
}
