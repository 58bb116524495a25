import Testing

@testable import StereoData

@Suite("The allocator settings of loading and inference")
struct AllocatorTuningTests {
  /// Process-wide state, shared with every test that builds a loader: whatever ran before, once
  /// the loader's setting is applied, the inference one must not replace it.
  @Test("The loader's setting wins over inference's, in either order")
  func loaderWins() {
    AllocatorTuning.applyForInference()
    #expect(AllocatorTuning.mode.withLock { $0 } != .glibcDefaults)
    AllocatorTuning.applyForLoading()
    #expect(AllocatorTuning.mode.withLock { $0 } == .loading)
    AllocatorTuning.applyForInference()
    #expect(AllocatorTuning.mode.withLock { $0 } == .loading)
  }
}
