internal import CStereoKernels
import StereoTensor

/// The C kernels of StereoDepth's per-pixel steps (`CStereoKernels`: AVX2 + FMA through function
/// attributes, eight pixels per vector): Swift's own vectors compile to 4-lane SSE on baseline
/// x86-64. Each has a Swift path with the same operations per value, which runs where the CPU
/// lacks AVX2 and is its test oracle (bit for bit).
enum VectorKernels {
  /// Whether this CPU runs them (AVX2 and FMA).
  static let available = wnet_narrow_conv3x3_available() != 0

  /// ``StereoTensor/VectorMath/ExpConstants`` and the rounding magic, in the order of
  /// `CStereoKernels.h`'s `WNET_EXP_…` indices, so that the C exponential uses the same
  /// constants as the Swift one.
  static let expConstants: [Float] = {
    typealias K = VectorMath.ExpConstants
    var constants = [Float](repeating: 0, count: WNET_EXP_CONSTANT_COUNT)
    constants[WNET_EXP_LOG2E] = K.log2e
    constants[WNET_EXP_LN2_HIGH] = K.ln2High
    constants[WNET_EXP_LN2_EXCESS] = K.ln2Excess
    for (i, p) in [K.p0, K.p1, K.p2, K.p3, K.p4, K.p5].enumerated() {
      constants[WNET_EXP_P0 + i] = p
    }
    constants[WNET_EXP_LOWER_LIMIT] = K.lowerLimit
    constants[WNET_EXP_ROUNDING_MAGIC] = VectorMath.roundingMagic
    return constants
  }()
}
