/// The learning rate as a function of the step: constant, or divided by 10 at each milestone.
///
///     η(s) = η₀ · 0.1^(number of milestones ≤ s)
public struct LearningRateSchedule: Codable, Sendable, Equatable {
  /// The steps at which the rate drops tenfold, ascending.
  public var milestones: [Int]

  /// A schedule that drops at `milestones`.
  public init(milestones: [Int] = []) {
    precondition(
      milestones == milestones.sorted() && milestones.allSatisfy { $0 > 0 },
      "Milestones must be positive and ascending, got \(milestones)")
    self.milestones = milestones
  }

  /// The rate at step `step` (counting from 0) for a base rate `base`.
  public func rate(atStep step: Int, base: Float) -> Float {
    milestones.filter { $0 <= step }.reduce(base) { rate, _ in rate * 0.1 }
  }
}
