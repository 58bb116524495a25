import Foundation
import StereoTensor

/// How to choose the sources held out for validation.
///
/// Splits are by source (a scene folder, a KITTI sequence, a video or video segment), never by
/// frame, so that near-identical frames of one clip never sit on both sides.
public struct SplitPolicy: Sendable, Hashable, Codable {
  /// Sources to hold out by name, or `nil`.
  public var heldOutSources: [String]?
  /// The fraction of sources to hold out at random, or `nil`.
  public var validationFraction: Double?
  /// The seed of the random choice.
  public var seed: UInt64

  /// Creates a policy: the named sources, and a random fraction of all sources, are held out.
  public init(heldOutSources: [String]?, validationFraction: Double?, seed: UInt64) {
    precondition(
      (0..<1).contains(validationFraction ?? 0),
      "Validation fraction must be in [0, 1), got \(validationFraction ?? 0)")
    self.heldOutSources = heldOutSources
    self.validationFraction = validationFraction
    self.seed = seed
  }

  /// Holds out nothing: everything is training data.
  public static let none = SplitPolicy(heldOutSources: nil, validationFraction: nil, seed: 0)

  /// Holds out the named sources.
  public static func heldOut(_ sources: [String]) -> SplitPolicy {
    SplitPolicy(heldOutSources: sources, validationFraction: nil, seed: 0)
  }

  /// Holds out `round(fraction · count)` sources (at least 1, and at least 1 left to train on)
  /// chosen by a generator seeded with `seed`.
  public static func fraction(_ fraction: Double, seed: UInt64) -> SplitPolicy {
    SplitPolicy(heldOutSources: nil, validationFraction: fraction, seed: seed)
  }
}

/// A split of a dataset's sources into training and validation, as stored in a checkpoint.
///
/// Its JSON form (``jsonData()``) lists both sides, so a resumed or evaluated run uses the same
/// validation sources even if the folder gained files since:
///
///     {"policy":{"seed":7,"validationFraction":0.2},"trainingSources":["a","b"],"validationSources":["c"]}
public struct DatasetSplit: Sendable, Hashable, Codable {
  /// How the split was chosen.
  public var policy: SplitPolicy
  /// The sources trained on, sorted.
  public var trainingSources: [String]
  /// The sources held out, sorted.
  public var validationSources: [String]

  /// Creates a split.
  public init(policy: SplitPolicy, trainingSources: [String], validationSources: [String]) {
    self.policy = policy
    self.trainingSources = trainingSources.sorted()
    self.validationSources = validationSources.sorted()
  }

  /// The split as JSON (sorted keys, one line).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// Reads a split from its JSON form.
  ///
  /// - Throws: `DecodingError` when `data` is not a split.
  public init(jsonData data: Data) throws {
    self = try JSONDecoder().decode(DatasetSplit.self, from: data)
  }
}

extension StereoDataset {
  /// Splits the dataset by source.
  ///
  /// Sources are sorted by name before a fraction is drawn, so the result depends only on the
  /// set of sources and the seed, not on the order of scanning.
  ///
  /// - Returns: the training and validation datasets and the split's description.
  /// - Throws: ``StereoDataError`` of kind `.invalidRequest` when a held-out source does not
  ///   exist, when nothing would be left to train on, or when a fraction is asked of fewer than 2
  ///   sources.
  public func split(_ policy: SplitPolicy) throws -> (
    training: StereoDataset, validation: StereoDataset, split: DatasetSplit
  ) {
    let all = sources
    var heldOut = Set<String>()
    if let names = policy.heldOutSources {
      let known = Set(all)
      for name in names where !known.contains(name) {
        let listed = all.prefix(8).joined(separator: ", ") + (all.count > 8 ? ", …" : "")
        throw StereoDataError(
          .invalidRequest, root, "unknown source '\(name)' (the sources are: \(listed))")
      }
      heldOut.formUnion(names)
    }
    if let fraction = policy.validationFraction, fraction > 0 {
      guard all.count >= 2 else {
        throw StereoDataError(
          .invalidRequest, root,
          "cannot hold out a fraction of \(all.count) source; a video can be cut into segments "
            + "(segment duration) to make several")
      }
      let count = min(max(Int((fraction * Double(all.count)).rounded()), 1), all.count - 1)
      var generator = SeededGenerator(seed: policy.seed)
      heldOut.formUnion(all.shuffled(using: &generator).prefix(count))
    }
    guard heldOut.count < all.count || all.isEmpty else {
      throw StereoDataError(
        .invalidRequest, root, "holding out every source leaves nothing to train on")
    }
    let split = DatasetSplit(
      policy: policy, trainingSources: all.filter { !heldOut.contains($0) },
      validationSources: Array(heldOut))
    let (training, validation) = applying(split)
    return (training, validation, split)
  }

  /// The training and validation parts of this dataset under an existing split (e.g. one read
  /// from a checkpoint). Sources the split does not name go to training; the validation side
  /// never grows.
  public func applying(_ split: DatasetSplit) -> (
    training: StereoDataset, validation: StereoDataset
  ) {
    let validation = Set(split.validationSources)
    return (
      restricted(to: Set(sources).subtracting(validation)),
      restricted(to: validation)
    )
  }
}
