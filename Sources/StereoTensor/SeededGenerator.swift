import Foundation

/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in WNet (initial weights, dropout masks, crops, flips, jitter, synthetic
/// scenes) draws from a generator passed in by the caller, so a seeded run repeats exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// Creates a generator whose sequence is determined by `seed`.
  public init(seed: UInt64) {
    var splitMix = seed
    func next() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (next(), next(), next(), next())
  }

  public mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return result
  }

  /// A new generator for an independent stream (e.g. one per data-loader worker), derived
  /// deterministically from this one.
  public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}

extension Tensor {
  /// Elements drawn uniformly from `range`.
  public static func randomUniform(
    _ shape: [Int], in range: ClosedRange<Float> = -1...1,
    using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    var result = Tensor(uninitializedShape: shape)
    result.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices { buffer[index] = Float.random(in: range, using: &generator) }
    }
    return result
  }

  /// Elements drawn from a normal distribution (Box-Muller).
  public static func randomNormal(
    _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    var result = Tensor(uninitializedShape: shape)
    result.withUnsafeMutableBufferPointer { buffer in
      var index = 0
      while index < buffer.count {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let radius = (-2 * _log(u1)).squareRoot()
        buffer[index] = mean + standardDeviation * Float(radius * _cos(2 * .pi * u2))
        if index + 1 < buffer.count {
          buffer[index + 1] = mean + standardDeviation * Float(radius * _sin(2 * .pi * u2))
        }
        index += 2
      }
    }
    return result
  }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Foundation.sin(x) }
