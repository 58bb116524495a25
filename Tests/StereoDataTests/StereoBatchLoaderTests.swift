import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

@testable import StereoData

@Suite("Batch loader") struct StereoBatchLoaderTests {
  /// `count` scenes of `width × height` pairs with a disparity map each.
  private func makeDataset(
    _ folder: TemporaryFolder, count: Int = 5, width: Int = 40, height: Int = 30
  ) throws -> StereoDataset {
    for index in 0..<count {
      let scene = String(format: "scene%02d", index)
      try ImageIO.writePNG(
        TestImages.pattern(width: width, height: height, seed: UInt64(index)),
        to: folder.file("\(scene)/left.png"))
      try ImageIO.writePNG(
        TestImages.pattern(width: width, height: height, seed: UInt64(index + 50)),
        to: folder.file("\(scene)/right.png"))
      try ImageIO.writePFM(
        Image(width: width, height: height, channels: 1, repeating: Float(index + 1)),
        to: folder.file("\(scene)/disparity.pfm"))
    }
    return try StereoDataset(contentsOf: folder.url)
  }

  private func batches(_ loader: StereoBatchLoader, count: Int, from start: Int = 0) throws
    -> [StereoBatch]
  {
    let stream = loader.trainingBatches(startingAt: start)
    defer { stream.close() }
    return try (0..<count).map { _ in try stream.next() }
  }

  @Test("The stream is the same for a seed whatever the number of workers")
  func deterministic() throws {
    let folder = try TemporaryFolder()
    let dataset = try makeDataset(folder)
    let base = StereoLoaderConfiguration(
      batchSize: 3, height: 16, width: 24, seed: 11, workerCount: 1, prefetchBatches: 1)
    var parallel = base
    parallel.workerCount = 3
    parallel.prefetchBatches = 5
    let a = try batches(try StereoBatchLoader(dataset: dataset, configuration: base), count: 6)
    let b = try batches(try StereoBatchLoader(dataset: dataset, configuration: parallel), count: 6)
    for (x, y) in zip(a, b) {
      #expect(x.index == y.index && x.identifiers == y.identifiers)
      #expect(x.left.scalars == y.left.scalars && x.right.scalars == y.right.scalars)
    }
    #expect(a[0].left.shape == [3, 16, 24, 3] && a[0].right.shape == [3, 16, 24, 3])
    #expect(a.allSatisfy { $0.left.scalars.allSatisfy { (0...1).contains($0) } })
    var reseeded = base
    reseeded.seed = 12
    let c = try batches(try StereoBatchLoader(dataset: dataset, configuration: reseeded), count: 2)
    #expect(c[0].left.scalars != a[0].left.scalars)
  }

  @Test("Each pass visits every pair once; a stream can resume at any batch")
  func passesAndResume() throws {
    let folder = try TemporaryFolder()
    let dataset = try makeDataset(folder)
    let loader = try StereoBatchLoader(
      dataset: dataset, configuration: .init(batchSize: 5, height: 8, width: 8, seed: 3))
    let all = try batches(loader, count: 4)
    for pass in all {
      #expect(Set(pass.identifiers) == Set(dataset.samples.map(\.identifier)))
    }
    #expect(all[0].identifiers != all[1].identifiers || all[1].identifiers != all[2].identifiers)
    let resumed = try batches(loader, count: 2, from: 2)
    #expect(resumed[0].index == 2 && resumed[0].left.scalars == all[2].left.scalars)
    #expect(resumed[1].left.scalars == all[3].left.scalars)
  }

  @Test("A flip swaps the views: the new left view is the mirrored right view")
  func flipSwapsViews() throws {
    let folder = try TemporaryFolder()
    let dataset = try makeDataset(folder, count: 1, width: 24, height: 16)
    var augmentation = AugmentationConfiguration.cropOnly
    augmentation.flipProbability = 1
    let loader = try StereoBatchLoader(
      dataset: dataset,
      configuration: .init(batchSize: 1, height: 16, width: 24, augmentation: augmentation))
    let batch = try batches(loader, count: 1)[0]
    let sample = try dataset.sample(at: 0)
    #expect(Image(batch.left) == sample.right.flippedHorizontally())
    #expect(Image(batch.right) == sample.left.flippedHorizontally())

    augmentation.flipProbability = 0
    let plain = try StereoBatchLoader(
      dataset: dataset,
      configuration: .init(batchSize: 1, height: 16, width: 24, augmentation: augmentation))
    #expect(Image(try batches(plain, count: 1)[0].left) == sample.left)
  }

  @Test("Photometric jitter is the same for both views; crops stay aligned")
  func jitterSharedByViews() throws {
    let folder = try TemporaryFolder()
    let image = TestImages.smooth(width: 60, height: 40)
    try ImageIO.writePNG(image, to: folder.file("same/left.png"))
    try ImageIO.writePNG(image, to: folder.file("same/right.png"))
    let loader = try StereoBatchLoader(
      dataset: try StereoDataset(contentsOf: folder.url),
      configuration: .init(batchSize: 4, height: 16, width: 16, seed: 5))
    let batch = try batches(loader, count: 1)[0]
    #expect(batch.left.scalars == batch.right.scalars)
    #expect(batch.left.scalars != Image(width: 16, height: 16, channels: 3).pixels + [])
  }

  @Test("Gamma by table is within 1.1e-4 of pow")
  func gammaTable() {
    var generator = SeededGenerator(seed: 2)
    var plan = AugmentationPlan(
      configuration: .cropOnly, imageWidth: 8, imageHeight: 8, cropWidth: 8, cropHeight: 8,
      using: &generator)
    plan.gamma = 0.8
    let ramp = Image(
      width: 1000, height: 1, channels: 3, pixels: (0..<3000).map { Float($0) / 2999 })
    // Contrast 1 and gains 1 leave only the gamma.
    let (left, _) = plan.apply(
      to: StereoSample(left: ramp, right: ramp, source: "s", identifier: "s"), cropWidth: 1000,
      cropHeight: 1)
    let worst = zip(left.pixels, ramp.pixels).map { abs($0 - pow($1, 0.8)) }.max() ?? 1
    #expect(worst < 1.1e-4, "largest error \(worst)")
  }

  @Test("Crop scales stay between fitting the crop and the coverage limit")
  func scaleRange() {
    var generator = SeededGenerator(seed: 1)
    for _ in 0..<200 {
      let plan = AugmentationPlan(
        configuration: .standard, imageWidth: 1920, imageHeight: 1080, cropWidth: 512,
        cropHeight: 256, using: &generator)
      // fit = max(256/1080, 512/1920) = 0.2667; limit = sqrt(256·512 / (0.25·1080·1920)) = 0.503
      #expect(plan.scale >= 0.2666 && plan.scale <= 0.5029)
      #expect(plan.originX >= 0 && Float(plan.originX + 512) <= 1920 * plan.scale + 1)
    }
    let small = AugmentationPlan(
      configuration: .standard, imageWidth: 100, imageHeight: 50, cropWidth: 200, cropHeight: 50,
      using: &generator)
    #expect(small.scale == 2)  // smaller than the crop: enlarged just enough
  }

  @Test("Validation batches: fixed, fitted to the crop, with scaled ground truth")
  func validation() throws {
    let folder = try TemporaryFolder()
    let dataset = try makeDataset(folder, count: 5, width: 40, height: 30)
    let loader = try StereoBatchLoader(
      dataset: dataset, configuration: .init(batchSize: 2, height: 15, width: 10))
    let batches = try loader.validationBatches()
    #expect(batches.map(\.count) == [2, 2, 1])
    #expect(batches.flatMap(\.identifiers) == dataset.samples.map(\.identifier))
    // Fitting a 10x15 window into 40x30 scales by 0.5; disparity 1 becomes 0.5.
    let disparity = try #require(batches[0].disparity)
    #expect(
      disparity.shape == [2, 15, 10, 1] && disparity.scalars.allSatisfy { $0 == 0.5 || $0 == 1 })
    #expect(try loader.validationBatches().map(\.left.scalars) == batches.map(\.left.scalars))
    #expect(try loader.validationBatches(maximumSamples: 3).flatMap(\.identifiers).count == 3)
  }

  @Test("A malformed file fails the stream with a one-line error, then every later call")
  func failure() throws {
    let folder = try TemporaryFolder()
    _ = try makeDataset(folder, count: 2)
    try Data("junk".utf8).write(to: folder.file("scene01/right.png"))
    let loader = try StereoBatchLoader(
      dataset: try StereoDataset(contentsOf: folder.url),
      configuration: .init(batchSize: 2, height: 8, width: 8))
    let stream = loader.trainingBatches()
    defer { stream.close() }
    do {
      _ = try stream.next()
      Issue.record("a corrupt file was loaded")
    } catch let error as StereoDataError {
      #expect(error.description.hasSuffix("scene01/right.png: not a PNG file (bad signature)"))
    }
    #expect(throws: StereoDataError.self) { try stream.next() }
    let healthy = try StereoBatchLoader(
      dataset: try StereoDataset(contentsOf: folder.url).restricted(to: ["scene00"]),
      configuration: .init(batchSize: 1, height: 8, width: 8)
    ).trainingBatches()
    _ = try healthy.next()
    healthy.close()
    #expect(throws: StereoDataError.self) { try healthy.next() }  // closed
    #expect(throws: StereoDataError.self) {
      try StereoBatchLoader(
        dataset: StereoDataset(root: folder.url, samples: []),
        configuration: .init(batchSize: 1, height: 8, width: 8))
    }
  }

  @Test(
    "Batches stream from a video, reproducibly",
    .enabled(
      if: ExternalTool.ffmpeg.isAvailable && ExternalTool.ffprobe.isAvailable,
      "ffmpeg is not installed"))
  func video() throws {
    let folder = try TemporaryFolder()
    let video = folder.url.appendingPathComponent("clip.mkv")
    let process = Process()
    process.executableURL = try ExternalTool.ffmpeg.location()
    process.arguments = [
      "-y", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x24:d=3:r=8", "-c:v",
      "ffv1", video.path,
    ]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    var configuration = StereoDatasetConfiguration(
      path: video.path, videoLayout: .sideBySide, framesPerSecond: 4, segmentDuration: 1)
    let dataset = try StereoDataset(configuration: configuration)
    #expect(dataset.sources == ["clip.mkv#0", "clip.mkv#1", "clip.mkv#2"])
    let loader = try StereoBatchLoader(
      dataset: dataset,
      configuration: .init(batchSize: 3, height: 16, width: 16, seed: 9, shuffleBufferFrames: 4))
    let first = try batches(loader, count: 6)  // 18 pairs: more than one pass of 12 frames
    let second = try batches(loader, count: 6)
    #expect(first.map(\.left.scalars) == second.map(\.left.scalars))
    #expect(first.flatMap(\.identifiers).allSatisfy { $0.hasPrefix("clip.mkv#") })
    #expect(loader.samplesPerPass == 12)
    let validation = try loader.validationBatches(maximumSamples: 6)
    #expect(validation.flatMap(\.identifiers).count == 6)

    configuration.segmentDuration = nil
    #expect(try StereoDataset(configuration: configuration).sources == ["clip.mkv"])
  }
}
