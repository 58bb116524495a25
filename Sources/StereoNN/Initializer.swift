import StereoTensor

/// Seeded weight initialisers.
///
/// For a filter `[C_out, KH, KW, C_in/groups]`: `fanIn = KH·KW·C_in/groups`,
/// `fanOut = KH·KW·C_out/groups`.
public enum Initializer {
  /// The fan-in and fan-out of a filter shape.
  public static func fans(_ shape: [Int], groups: Int = 1) -> (fanIn: Int, fanOut: Int) {
    precondition(shape.count == 4, "Filter shape must be [C_out, KH, KW, C_in], got \(shape)")
    let receptive = shape[1] * shape[2]
    return (receptive * shape[3], receptive * shape[0] / groups)
  }

  /// He (Kaiming) normal: `N(0, 2/fanIn)`, for ReLU networks (He et al. 2015).
  public static func heNormal(
    _ shape: [Int], groups: Int = 1, using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    let fanIn = fans(shape, groups: groups).fanIn
    return Tensor.randomNormal(
      shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), using: &generator)
  }

  /// He uniform: `U(−√(6/fanIn), √(6/fanIn))`.
  public static func heUniform(
    _ shape: [Int], groups: Int = 1, using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    let limit = (6 / Float(fans(shape, groups: groups).fanIn)).squareRoot()
    return Tensor.randomUniform(shape, in: -limit...limit, using: &generator)
  }

  /// Glorot (Xavier) uniform: `U(−√(6/(fanIn+fanOut)), +…)`, the Keras default (Glorot & Bengio
  /// 2010).
  public static func glorotUniform(
    _ shape: [Int], groups: Int = 1, using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    let (fanIn, fanOut) = fans(shape, groups: groups)
    let limit = (6 / Float(fanIn + fanOut)).squareRoot()
    return Tensor.randomUniform(shape, in: -limit...limit, using: &generator)
  }
}
