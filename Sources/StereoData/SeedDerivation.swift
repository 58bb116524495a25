/// Seeds for independent random streams derived from a base seed and indices, so that a random
/// choice depends only on what it is for (e.g. sample position 1234 of the run with seed 7), not
/// on which thread made it or when.
enum SeedDerivation {
  /// SplitMix64's finaliser: a bijective mixing of 64 bits.
  static func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A seed for stream `purpose` (a constant naming the kind of choice) at `index`.
  static func seed(_ base: UInt64, purpose: UInt64, index: UInt64) -> UInt64 {
    mix(mix(mix(base) ^ purpose) ^ index)
  }

  /// Purposes: each kind of random choice draws from its own family of streams.
  static let samplePurpose: UInt64 = 0x5341_4D50  // "SAMP": per-sample augmentation
  static let epochPurpose: UInt64 = 0x4550_4F43  // "EPOC": per-pass sample order
  static let bufferPurpose: UInt64 = 0x4255_4646  // "BUFF": shuffle buffer of video frames
}
