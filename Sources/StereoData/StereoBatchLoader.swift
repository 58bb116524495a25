import Foundation
import StereoTensor

/// Turns a dataset into batches for training and validation.
///
///     let loader = try StereoBatchLoader(
///       dataset: training, configuration: .init(batchSize: 8, height: 256, width: 512, seed: 7))
///     let stream = loader.trainingBatches()       // endless, shuffled, augmented
///     let batch = try stream.next()               // left, right: [8, 256, 512, 3]
///     let fixed = try StereoBatchLoader(dataset: validation, configuration: …).validationBatches()
public struct StereoBatchLoader: Sendable {
  /// The pairs and videos batches are drawn from.
  public let dataset: StereoDataset
  /// Batch size, crop size, augmentation, seed and threads.
  public let configuration: StereoLoaderConfiguration
  /// Where image pairs' proxy labels come from (video frames have none); `nil` = no proxies.
  public let proxyProvider: (any StereoProxyProvider)?

  /// Creates a loader.
  ///
  /// - Parameter proxyProvider: Supplies each image pair's ``StereoProxy``, carried through
  ///   crops, scaling and flips into the batches' proxy fields.
  /// - Throws: ``StereoDataError`` of kind `.empty` when the dataset holds nothing.
  public init(
    dataset: StereoDataset, configuration: StereoLoaderConfiguration,
    proxyProvider: (any StereoProxyProvider)? = nil
  ) throws {
    guard !dataset.isEmpty else {
      throw StereoDataError(.empty, dataset.root, "no stereo pairs or videos to load")
    }
    AllocatorTuning.applyForLoading()
    self.dataset = dataset
    self.configuration = configuration
    self.proxyProvider = proxyProvider
  }

  /// The number of pairs one pass over the data gives: the image pairs plus the frames the
  /// videos should give at their rate (an estimate from their durations).
  public var samplesPerPass: Int {
    dataset.samples.count + dataset.videos.reduce(0) { $0 + ($1.expectedFrameCount ?? 0) }
  }

  /// An endless stream of shuffled, augmented `[N, H, W, 3]` batches, starting at batch
  /// `startBatch` (to resume a run: for image pairs the stream continues exactly; for videos it
  /// restarts reading with a generator derived from `startBatch`).
  ///
  /// ``StereoBatchStream/next()`` blocks until its batch is ready (normally at once: the workers
  /// run ahead); from Swift concurrency, call it where blocking a thread is acceptable.
  public func trainingBatches(startingAt startBatch: Int = 0) -> StereoBatchStream {
    StereoBatchStream(
      dataset: dataset, configuration: configuration, startBatch: startBatch,
      proxyProvider: proxyProvider)
  }

  /// The fixed validation set: every image pair (in dataset order) and, from each video, frames
  /// evenly spread over it, each ``StereoSample/fitted(width:height:)`` to the crop size, without
  /// augmentation, in batches of at most `N` (the last may be smaller), with ground-truth
  /// disparity when every pair of a batch has it.
  ///
  /// - Parameter maximumSamples: the most pairs to return (each takes `H · W · 24` bytes: 3 MB at
  ///   512×256); image pairs come first, then video frames shared evenly among the videos.
  /// - Throws: ``StereoDataError`` when a file or video is malformed.
  public func validationBatches(maximumSamples: Int = 256) throws -> [StereoBatch] {
    precondition(maximumSamples > 0, "maximumSamples must be positive")
    let (width, height) = (configuration.width, configuration.height)
    let pairCount = min(dataset.samples.count, maximumSamples)
    // Decode image pairs in parallel; keep order.
    let fittedPairs = ResultSlots<StereoSample>(count: pairCount)
    DispatchQueue.concurrentPerform(iterations: pairCount) { index in
      fittedPairs.set(
        index,
        Result {
          var sample = try dataset.sample(at: index)
          if let proxyProvider {
            sample.proxy = try proxyProvider.proxy(for: dataset.samples[index], sample: sample)
          }
          return sample.fitted(width: width, height: height)
        })
    }
    var samples = try fittedPairs.values()
    let frameBudget = maximumSamples - samples.count
    if frameBudget > 0 && !dataset.videos.isEmpty {
      let perVideo = max(frameBudget / dataset.videos.count, 1)
      for video in dataset.videos where samples.count < maximumSamples {
        let expected = video.expectedFrameCount ?? perVideo
        let stride = max(expected / perVideo, 1)
        let reader = try video.makeReader()
        defer { reader.close() }
        var taken = 0
        while taken < perVideo, samples.count < maximumSamples, let frame = try reader.next() {
          guard frame.index % stride == 0 else { continue }
          samples.append(
            frame.stereoSample(source: video.source).fitted(width: width, height: height))
          taken += 1
        }
      }
    }
    return Swift.stride(from: 0, to: samples.count, by: configuration.batchSize).map { start in
      let part = samples[start..<min(start + configuration.batchSize, samples.count)]
      return StereoBatch(
        lefts: part.map(\.left), rights: part.map(\.right), disparities: part.map(\.disparity),
        proxies: part.map(\.proxy), identifiers: part.map(\.identifier),
        index: start / configuration.batchSize)
    }
  }
}

/// Results written by concurrent iterations, one slot each.
///
/// `@unchecked Sendable`: each slot is written by exactly one iteration, under `lock`.
final class ResultSlots<Value>: @unchecked Sendable {
  private var slots: [Result<Value, Error>?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ result: Result<Value, Error>) {
    lock.lock()
    slots[index] = result
    lock.unlock()
  }

  /// The values in order; throws the first error.
  func values() throws -> [Value] {
    lock.lock()
    defer { lock.unlock() }
    return try slots.map { slot in
      guard let slot else { preconditionFailure("A slot was never written") }
      return try slot.get()
    }
  }
}
