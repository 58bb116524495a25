import Foundation
import StereoDepth
import Testing

@Suite("Learning-rate schedule")
struct LearningRateScheduleTests {
  @Test("Tenfold drops at the milestones; a linear warm-up over the first steps (hand-computed)")
  func rates() {
    let drops = LearningRateSchedule(milestones: [3, 5])
    let tenfold: [Float] = [1, 1, 1, 0.1, 0.1, 0.01, 0.01]
    for (step, rate) in tenfold.enumerated() {
      #expect(abs(drops.rate(atStep: step, base: 1) - rate) <= 1e-7, "step \(step)")
    }
    // η(s) = η₀ · min(1, (s + 1) / 4) · 0.1^(drops ≤ s), drop at 6.
    let warm = LearningRateSchedule(milestones: [6], warmup: 4)
    let expected: [Float] = [0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4]
    for (step, rate) in expected.enumerated() {
      #expect(abs(warm.rate(atStep: step, base: 1e-3) - rate) <= 1e-9, "step \(step)")
    }
    // A drop inside the warm-up scales the warmed rate.
    let early = LearningRateSchedule(milestones: [1], warmup: 4)
    #expect(abs(early.rate(atStep: 1, base: 1) - 0.05) <= 1e-7)
    #expect(LearningRateSchedule(warmup: 1).rate(atStep: 0, base: 2) == 2)
  }

  @Test("Files without a warm-up decode as before and are written as before")
  func coding() throws {
    let old = try JSONDecoder().decode(
      LearningRateSchedule.self, from: Data(#"{"milestones":[3]}"#.utf8))
    #expect(old == LearningRateSchedule(milestones: [3]) && old.warmup == 0)
    let plain = String(decoding: try JSONEncoder().encode(old), as: UTF8.self)
    #expect(plain == #"{"milestones":[3]}"#)
    let warm = LearningRateSchedule(milestones: [9], warmup: 5)
    let decoded = try JSONDecoder().decode(
      LearningRateSchedule.self, from: JSONEncoder().encode(warm))
    #expect(decoded == warm)
    for bad in [#"{"milestones":[3],"warmup":-1}"#, #"{"milestones":[5,2]}"#] {
      #expect(throws: DecodingError.self) {
        try JSONDecoder().decode(LearningRateSchedule.self, from: Data(bad.utf8))
      }
    }
  }
}
