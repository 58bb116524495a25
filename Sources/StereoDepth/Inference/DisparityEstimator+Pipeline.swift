import Foundation
import StereoData

/// One pair's input to `DisparityEstimator.predictPipelined`: the decoded views and whatever
/// the writer needs besides (a camera, a name).
public struct PipelinedPair<Context: Sendable>: Sendable {
  /// The left view, RGB in [0, 1].
  public var left: Image
  /// The right view, the same size.
  public var right: Image
  /// Passed through to the writer unchanged.
  public var context: Context

  /// Creates an input.
  public init(left: Image, right: Image, context: Context) {
    self.left = left
    self.right = right
    self.context = context
  }
}

/// A first-in first-out queue that holds at most `capacity` items: `put` waits while it is full,
/// `take` while it is empty; `nil` from `take` once it is closed and drained.
final class BoundedQueue<Item: Sendable>: @unchecked Sendable {
  private let capacity: Int
  private var items: [Item] = []
  private var closed = false
  private let condition = NSCondition()

  init(capacity: Int) { self.capacity = max(1, capacity) }

  func put(_ item: Item) {
    condition.lock()
    defer { condition.unlock() }
    while items.count >= capacity { condition.wait() }
    items.append(item)
    condition.broadcast()
  }

  func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    condition.unlock()
  }

  func take() -> Item? {
    condition.lock()
    defer { condition.unlock() }
    while items.isEmpty && !closed { condition.wait() }
    guard !items.isEmpty else { return nil }
    let item = items.removeFirst()
    condition.broadcast()
    return item
  }
}

extension DisparityEstimator {
  /// Runs many pairs with decoding, inference and writing overlapped, so that throughput
  /// approaches the network's when decoding and writing take less time than it.
  ///
  /// Three stages run at once: a thread calls `load(k)` for `k = 0, 1, …` in order, at most
  /// `lookahead` pairs ahead of inference; the calling thread runs `predict` on each (the
  /// estimator is used from this one thread only); a third thread calls `write` for each
  /// prediction, in order, then `finished(k, seconds, nil)`, where `seconds` is the time
  /// prediction took. A pair whose `load`, prediction or `write` throws is skipped with
  /// `finished(k, seconds, error)`; the others go on. `finished` is called
  /// exactly once per pair, in order of `k`, always from the writing thread.
  ///
  /// - Parameters:
  ///   - count: The number of pairs.
  ///   - maximumDisparity: As in `predict`, for every pair.
  ///   - adaptation: As in `predict`, applied to each pair separately.
  ///   - invalidPixels: As in `predict`.
  ///   - upscale: As in `predict`.
  ///   - lookahead: How many decoded pairs, and how many predictions waiting to be written, may
  ///     be held at once (memory is about `2·lookahead` pairs).
  ///   - load: Decodes pair `k`.
  ///   - write: Writes pair `k`'s prediction (`left` is the decoded left view).
  ///   - finished: Told when pair `k` is done, with its prediction time in seconds and the error
  ///     that stopped it if any.
  /// - Returns: The errors of the pairs that failed, by index (empty when all succeeded).
  @discardableResult
  public func predictPipelined<Context: Sendable>(
    count: Int, maximumDisparity: Float? = nil, adaptation: TestTimeAdaptation? = nil,
    invalidPixels: InvalidPixelRule? = nil, upscale: InferenceUpscale = .none, lookahead: Int = 2,
    load: @escaping @Sendable (Int) throws -> PipelinedPair<Context>,
    write: @escaping @Sendable (Int, PipelinedPair<Context>, DisparityPrediction) throws -> Void,
    finished: @escaping @Sendable (_ index: Int, _ seconds: Double, _ error: (any Error)?) -> Void
  ) -> [Int: any Error] {
    precondition(count >= 0, "The pair count must not be negative, got \(count)")
    typealias Loaded = (index: Int, result: Result<PipelinedPair<Context>, any Error>)
    typealias Predicted = (
      index: Int, seconds: Double,
      result: Result<(PipelinedPair<Context>, DisparityPrediction), any Error>
    )
    let decoded = BoundedQueue<Loaded>(capacity: lookahead)
    let predicted = BoundedQueue<Predicted>(capacity: lookahead)
    let failures = FailureLog()
    let loader = Thread {
      for index in 0..<count { decoded.put((index, Result { try load(index) })) }
      decoded.close()
    }
    let writerDone = DispatchSemaphore(value: 0)
    let writer = Thread {
      while let (index, seconds, result) = predicted.take() {
        do {
          let (pair, prediction) = try result.get()
          try write(index, pair, prediction)
          finished(index, seconds, nil)
        } catch {
          failures.record(index, error)
          finished(index, seconds, error)
        }
      }
      writerDone.signal()
    }
    loader.start()
    writer.start()
    while let (index, loaded) = decoded.take() {
      let start = Date()
      let result = Result { () throws -> (PipelinedPair<Context>, DisparityPrediction) in
        let pair = try loaded.get()
        let prediction = try predict(
          left: pair.left, right: pair.right, maximumDisparity: maximumDisparity,
          adaptation: adaptation, invalidPixels: invalidPixels, upscale: upscale)
        return (pair, prediction)
      }
      predicted.put((index, Date().timeIntervalSince(start), result))
    }
    predicted.close()
    writerDone.wait()
    return failures.errors
  }
}

/// The errors of failed pairs, written from the writing thread and read once it has finished.
private final class FailureLog: @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [Int: any Error] = [:]

  func record(_ index: Int, _ error: any Error) {
    lock.lock()
    recorded[index] = error
    lock.unlock()
  }

  var errors: [Int: any Error] {
    lock.lock()
    defer { lock.unlock() }
    return recorded
  }
}
