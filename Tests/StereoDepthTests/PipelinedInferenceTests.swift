import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

/// Many pairs through `DisparityEstimator.predictPipelined`: the same disparities as one
/// `predict` call per pair, every pair reported once and in order, failures skipped.
@Suite("DisparityEstimator: pipelined pairs")
struct PipelinedInferenceTests {
  /// Everything the writer and `finished` saw, from the writer thread.
  final class Record: @unchecked Sendable {
    let lock = NSLock()
    var written: [Int: Image] = [:]
    var finished: [(Int, String?)] = []
  }

  @Test("Equal to predict pair by pair; a failing load and a failing write skip only their pair")
  func pipelined() throws {
    let model = WNet(configuration: WNetConfiguration(preset: .realtime), seed: 3)
    let estimator = DisparityEstimator(model: model)
    let pairs = (0..<5).map {
      DisparityEstimatorTests.shiftedPair(
        width: 48 + 8 * $0, height: 24, shift: 2 + $0, seed: UInt64(10 + $0))
    }
    struct Broken: Error, CustomStringConvertible { var description: String }
    let record = Record()
    let failures = estimator.predictPipelined(
      count: pairs.count, maximumDisparity: 20, lookahead: 1,
      load: { index in
        if index == 1 { throw Broken(description: "cannot decode 1") }
        return PipelinedPair(left: pairs[index].left, right: pairs[index].right, context: index)
      },
      write: { index, pair, prediction in
        #expect(pair.context == index)
        if index == 3 { throw Broken(description: "cannot write 3") }
        record.lock.lock()
        record.written[index] = prediction.disparity
        record.lock.unlock()
      },
      finished: { index, seconds, error in
        #expect(seconds >= 0)
        record.lock.lock()
        record.finished.append((index, error.map { "\($0)" }))
        record.lock.unlock()
      })
    #expect(Set(failures.keys) == [1, 3])
    #expect(record.finished.map(\.0) == [0, 1, 2, 3, 4])
    #expect(record.finished[1].1 == "cannot decode 1")
    #expect(record.finished[3].1 == "cannot write 3")
    #expect(record.finished[0].1 == nil && record.finished[4].1 == nil)
    #expect(Set(record.written.keys) == [0, 2, 4])
    for index in [0, 2, 4] {
      let single = try estimator.predict(
        left: pairs[index].left, right: pairs[index].right, maximumDisparity: 20)
      #expect(record.written[index] == single.disparity, "pair \(index) differs")
    }
  }

  @Test("No pairs: nothing called, no failures")
  func empty() {
    let estimator = DisparityEstimator(
      model: WNet(configuration: WNetConfiguration(preset: .realtime), seed: 1))
    let failures = estimator.predictPipelined(
      count: 0,
      load: { _ -> PipelinedPair<Int> in
        Issue.record("load called")
        throw CancellationError()
      },
      write: { _, _, _ in Issue.record("write called") },
      finished: { _, _, _ in Issue.record("finished called") })
    #expect(failures.isEmpty)
  }
}
