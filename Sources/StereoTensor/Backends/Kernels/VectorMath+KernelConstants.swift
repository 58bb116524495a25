internal import CStereoKernels

extension VectorMath {
  /// ``ExpConstants`` and the rounding magic, in the order of `CStereoKernels.h`'s `WNET_EXP_…`
  /// indices, so that the C kernels' exponential uses the same constants as the Swift one.
  public static let kernelExpConstants: [Float] = {
    typealias K = ExpConstants
    var constants = [Float](repeating: 0, count: WNET_EXP_CONSTANT_COUNT)
    constants[WNET_EXP_LOG2E] = K.log2e
    constants[WNET_EXP_LN2_HIGH] = K.ln2High
    constants[WNET_EXP_LN2_EXCESS] = K.ln2Excess
    for (i, p) in [K.p0, K.p1, K.p2, K.p3, K.p4, K.p5].enumerated() {
      constants[WNET_EXP_P0 + i] = p
    }
    constants[WNET_EXP_LOWER_LIMIT] = K.lowerLimit
    constants[WNET_EXP_ROUNDING_MAGIC] = roundingMagic
    return constants
  }()
}
