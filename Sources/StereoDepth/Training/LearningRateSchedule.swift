/// The learning rate as a function of the step: an optional linear warm-up, then constant or
/// divided by 10 at each milestone.
///
///     η(s) = η₀ · min(1, (s + 1) / warmup) · 0.1^(number of milestones ≤ s)
///
/// (`warmup` 0: no warm-up.) A warm-up keeps Adam's first steps, which move every weight by
/// about the rate whatever its gradient's scale, small when a run starts from trained weights
/// with a fresh optimizer (docs/RUNS.md, "Does a fresh optimizer cost the fine-tunes?").
public struct LearningRateSchedule: Codable, Sendable, Equatable {
  /// The steps at which the rate drops tenfold, ascending.
  public var milestones: [Int]
  /// The steps over which the rate rises linearly to its base (0: none).
  public var warmup: Int

  /// A schedule that warms up over `warmup` steps and drops at `milestones`.
  public init(milestones: [Int] = [], warmup: Int = 0) {
    precondition(
      Self.isValid(milestones: milestones, warmup: warmup),
      "Milestones must be positive and ascending and the warm-up not negative, got "
        + "\(milestones) and \(warmup)")
    self.milestones = milestones
    self.warmup = warmup
  }

  /// Whether `milestones` are positive and ascending and `warmup` is not negative.
  public static func isValid(milestones: [Int], warmup: Int) -> Bool {
    milestones == milestones.sorted() && milestones.allSatisfy { $0 > 0 } && warmup >= 0
  }

  /// The rate at step `step` (counting from 0) for a base rate `base`.
  public func rate(atStep step: Int, base: Float) -> Float {
    let dropped = milestones.filter { $0 <= step }.reduce(base) { rate, _ in rate * 0.1 }
    guard warmup > 0, step + 1 < warmup else { return dropped }
    return dropped * Float(step + 1) / Float(warmup)
  }

  private enum CodingKeys: String, CodingKey { case milestones, warmup }

  /// Decodes a schedule; checkpoints written before the warm-up existed have none.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let milestones = try container.decode([Int].self, forKey: .milestones)
    let warmup = try container.decodeIfPresent(Int.self, forKey: .warmup) ?? 0
    guard Self.isValid(milestones: milestones, warmup: warmup) else {
      throw DecodingError.dataCorruptedError(
        forKey: .milestones, in: container,
        debugDescription: "invalid learning-rate schedule: drops \(milestones), warm-up \(warmup)")
    }
    self.init(milestones: milestones, warmup: warmup)
  }

  /// Encodes the schedule; the warm-up only when there is one, so that files without it stay
  /// as they were.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(milestones, forKey: .milestones)
    if warmup > 0 { try container.encode(warmup, forKey: .warmup) }
  }
}
