import Foundation
import StereoTensor

/// An endless stream of augmented training batches, prepared by background threads.
///
/// Workers claim batch numbers in order, draw that batch's items from the ``SampleScheduler``
/// under a lock, then decode and augment them in parallel; each pair's random choices come from
/// a generator seeded by `(seed, position)`. Results are handed out strictly in batch order, so
/// the stream is the same for a seed whatever the number of workers or their timing. At most
/// ``StereoLoaderConfiguration/prefetchBatches`` batches are in flight or waiting: a bounded
/// queue.
///
/// Call ``next()`` from one thread. ``close()`` (or releasing the stream) stops the workers.
public final class StereoBatchStream: Sendable {
  private let pipeline: BatchPipeline

  init(
    dataset: StereoDataset, configuration: StereoLoaderConfiguration, startBatch: Int,
    proxyProvider: (any StereoProxyProvider)? = nil
  ) {
    pipeline = BatchPipeline(
      dataset: dataset, configuration: configuration, startBatch: startBatch,
      proxyProvider: proxyProvider)
    pipeline.start()
  }

  deinit { pipeline.close() }

  /// The next batch, waiting for it if the workers are behind.
  ///
  /// - Throws: ``StereoDataError`` when a file or video of this batch is malformed; the stream
  ///   is then finished and throws on every later call.
  public func next() throws -> StereoBatch { try pipeline.next() }

  /// Stops the background work. Later calls to ``next()`` throw.
  public func close() { pipeline.close() }
}

/// The worker threads and their shared state behind ``StereoBatchStream``.
///
/// `@unchecked Sendable`: the mutable state is guarded by `condition` (results, delivery,
/// closing) and `claimLock` (the scheduler and the next batch number), as marked.
private final class BatchPipeline: @unchecked Sendable {
  let dataset: StereoDataset
  let configuration: StereoLoaderConfiguration
  let proxyProvider: (any StereoProxyProvider)?

  private let condition = NSCondition()
  private var results: [Int: Result<StereoBatch, Error>] = [:]  // guarded by condition
  private var delivered: Int  // guarded by condition
  private var closed = false  // guarded by condition
  private var failure: Error?  // guarded by condition
  private var reserved: Int  // batches claimed or about to be; guarded by condition

  private let cache: PairCache

  private let claimLock = NSLock()
  private var nextBatch: Int  // guarded by claimLock
  private let scheduler: SampleScheduler  // guarded by claimLock

  /// The most batches claimed ahead of the consumer.
  private let capacity: Int

  init(
    dataset: StereoDataset, configuration: StereoLoaderConfiguration, startBatch: Int,
    proxyProvider: (any StereoProxyProvider)?
  ) {
    precondition(startBatch >= 0, "Start batch must not be negative, got \(startBatch)")
    self.dataset = dataset
    self.configuration = configuration
    self.proxyProvider = proxyProvider
    self.delivered = startBatch
    self.nextBatch = startBatch
    self.scheduler = SampleScheduler(
      dataset: dataset, seed: configuration.seed,
      shuffleBufferFrames: configuration.shuffleBufferFrames,
      startPosition: startBatch * configuration.batchSize)
    self.cache = PairCache(capacityBytes: configuration.cacheMegabytes << 20)
    self.reserved = startBatch
    self.capacity = max(configuration.prefetchBatches, configuration.workerCount)
  }

  func start() {
    for number in 0..<configuration.workerCount {
      let thread = Thread { [self] in work() }
      thread.name = "wnet-loader-\(number)"
      thread.qualityOfService = .utility
      thread.start()
    }
  }

  /// Waits for room in the queue and reserves it; false once the stream is closed.
  private func reserve() -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while !closed && reserved >= delivered + capacity { condition.wait() }
    guard !closed else { return false }
    reserved += 1
    return true
  }

  private func work() {
    while true {
      guard reserve() else { return }
      claimLock.lock()
      let batch = nextBatch
      nextBatch += 1
      var items: [(SampleScheduler.Item, Int)] = []
      let drawn = Result { () throws -> [(SampleScheduler.Item, Int)] in
        for _ in 0..<configuration.batchSize { items.append(try scheduler.next()) }
        return items
      }
      claimLock.unlock()
      let result = drawn.flatMap { items in Result { try assemble(batch, items) } }
      condition.lock()
      results[batch] = result
      condition.broadcast()
      condition.unlock()
    }
  }

  private func assemble(_ batch: Int, _ items: [(SampleScheduler.Item, Int)]) throws -> StereoBatch
  {
    var lefts: [Image] = []
    var rights: [Image] = []
    var identifiers: [String] = []
    var proxies: [StereoProxy?] = []
    for (item, position) in items {
      let sample: StereoSample
      switch item {
      case .pair(let index):
        sample = try cache.pair(index) {
          var sample = try dataset.sample(at: index, groundTruth: false)
          if let proxyProvider {
            sample.proxy = try proxyProvider.proxy(for: dataset.samples[index], sample: sample)
          }
          return sample
        }
      case .frame(let frame, let source): sample = frame.stereoSample(source: source)
      }
      var generator = SeededGenerator(
        seed: SeedDerivation.seed(
          configuration.seed, purpose: SeedDerivation.samplePurpose, index: UInt64(position)))
      let plan = AugmentationPlan(
        configuration: configuration.augmentation, imageWidth: sample.width,
        imageHeight: sample.height, cropWidth: configuration.width,
        cropHeight: configuration.height, using: &generator)
      let (left, right) = plan.apply(
        to: sample, cropWidth: configuration.width, cropHeight: configuration.height)
      lefts.append(left)
      rights.append(right)
      proxies.append(
        sample.proxy.map {
          plan.apply(to: $0, cropWidth: configuration.width, cropHeight: configuration.height)
        })
      identifiers.append(sample.identifier)
    }
    return StereoBatch(
      lefts: lefts, rights: rights, disparities: [], proxies: proxies, identifiers: identifiers,
      index: batch)
  }

  func next() throws -> StereoBatch {
    condition.lock()
    if let failure {
      condition.unlock()
      throw failure
    }
    while results[delivered] == nil && !closed { condition.wait() }
    if closed {
      condition.unlock()
      throw StereoDataError(.invalidRequest, dataset.root, "the batch stream was closed")
    }
    let result = results.removeValue(forKey: delivered) ?? .failure(CancellationError())
    delivered += 1
    if case .failure(let error) = result { failure = error }
    condition.broadcast()  // room for another batch
    condition.unlock()
    return try result.get()
  }

  func close() {
    condition.lock()
    closed = true
    condition.broadcast()  // wake workers waiting for room, so that they return
    condition.unlock()
  }
}
