import ArgumentParser
import Foundation
import StereoData

extension WNetCommand {
  struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Describe a stereo dataset, check its files, and measure the batch loader.",
      discussion: """
        Prints the layouts found, the number of pairs, videos and sources, and the split that \
        the split options give (as JSON). With '--check', decodes every pair and its ground \
        truth and reports each malformed file. With '--benchmark', times the loader alone.

        Examples:
          wnet dataset --data ../shared/data/eth3d-two-view --check
          wnet dataset --data frames/ --benchmark 20 --batch-size 6
        """)

    @OptionGroup var data: DataOptions

    @Flag(help: "Decode every pair and its ground truth, and report malformed files.")
    var check = false

    @Option(help: "Time this many training batches from the loader and print pairs per second.")
    var benchmark: Int?

    @Option(help: "Pairs per batch for '--benchmark'.")
    var batchSize = 8

    @Option(help: "Crop height for '--benchmark'.")
    var height = 256

    @Option(help: "Crop width for '--benchmark'.")
    var width = 512

    @Option(help: "Loader threads for '--benchmark'.")
    var workers = 2

    @Option(help: "Memory for decoded pairs kept by the loader, in megabytes (0 = none).")
    var cacheMegabytes = 1024

    @Option(help: "Seed of the loader's random choices.")
    var seed: UInt64 = 0

    func validate() throws {
      guard (benchmark ?? 1) > 0, batchSize > 0, height > 0, width > 0, workers > 0,
        cacheMegabytes >= 0
      else {
        throw ValidationError(
          "'--benchmark', '--batch-size', '--height', '--width' and '--workers' must be positive.")
      }
      guard height <= 8192, width <= 8192, batchSize <= 1024 else {
        throw ValidationError(
          "'--height' and '--width' must be at most 8192 and '--batch-size' at most 1024.")
      }
    }

    func run() throws {
      guard !data.paths.isEmpty else { throw ValidationError("Name a dataset with '--data'.") }
      let dataset = try data.loadDataset()
      let withTruth = dataset.samples.filter { $0.disparity != nil }.count
      print("root: \(dataset.root.path)")
      print("layouts: \(dataset.formats.map(\.rawValue).sorted().joined(separator: ", "))")
      print("pairs: \(dataset.samples.count) (\(withTruth) with ground truth)")
      if !dataset.videos.isEmpty {
        let frames = dataset.videos.compactMap(\.expectedFrameCount).reduce(0, +)
        print(
          "videos: \(dataset.videos.count) (about \(frames) frames at \(data.framesPerSecond ?? 1) fps)"
        )
      }
      print("sources: \(dataset.sources.count)")
      let (training, _, split) = try dataset.split(data.splitPolicy)
      print("split: \(String(decoding: try split.jsonData(), as: UTF8.self))")
      if check { try checkFiles(dataset) }
      if let benchmark { try measure(training, batches: benchmark) }
    }

    private func checkFiles(_ dataset: StereoDataset) throws {
      let failures = FailureList()
      DispatchQueue.concurrentPerform(iterations: dataset.samples.count) { index in
        do { _ = try dataset.sample(at: index) } catch { failures.append(index, "\(error)") }
      }
      let messages = failures.sorted()
      for message in messages { FileHandle.standardError.write(Data((message + "\n").utf8)) }
      guard messages.isEmpty else {
        FileHandle.standardError.write(
          Data("Error: \(messages.count) of \(dataset.samples.count) pairs are malformed\n".utf8))
        throw ExitCode.failure
      }
      print("check: all \(dataset.samples.count) pairs decode")
    }

    private func measure(_ dataset: StereoDataset, batches: Int) throws {
      let loader = try StereoBatchLoader(
        dataset: dataset,
        configuration: StereoLoaderConfiguration(
          batchSize: batchSize, height: height, width: width, seed: seed, workerCount: workers,
          cacheMegabytes: cacheMegabytes))
      let stream = loader.trainingBatches()
      defer { stream.close() }
      _ = try stream.next()  // warm-up: threads start, first decodes
      let clock = ContinuousClock()
      let started = clock.now
      for _ in 0..<batches { _ = try stream.next() }
      let seconds = (clock.now - started) / .seconds(1)
      let pairs = Double(batches * batchSize)
      print(
        String(
          format:
            "loader: %d batches of %dx%dx%d in %.2f s: %.1f pairs/s (%d workers, cache %d MB)",
          batches, batchSize, height, width, seconds, pairs / seconds, workers, cacheMegabytes))
    }
  }
}

/// Error messages collected from concurrent iterations.
///
/// `@unchecked Sendable`: `messages` is only touched under `lock`.
private final class FailureList: @unchecked Sendable {
  private var messages: [(Int, String)] = []
  private let lock = NSLock()

  func append(_ index: Int, _ message: String) {
    lock.lock()
    messages.append((index, message))
    lock.unlock()
  }

  func sorted() -> [String] {
    lock.lock()
    defer { lock.unlock() }
    return messages.sorted { $0.0 < $1.0 }.map(\.1)
  }
}
