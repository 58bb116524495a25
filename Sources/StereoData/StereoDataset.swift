import Foundation

/// A set of stereo pairs on disk and 3D videos, found by scanning a folder (or naming a video).
///
/// Image pairs are listed as files (``StereoSampleFiles``) and decoded on demand with
/// ``sample(at:)``; videos (``StereoVideoSource``) are streamed by ``StereoBatchLoader``. Every
/// pair and video belongs to a *source* (a scene folder, a KITTI sequence, a video or video
/// segment), the unit that ``split(_:)`` keeps on one side.
///
///     let dataset = try StereoDataset(configuration: .init(path: "data/middlebury"))
///     let sample = try dataset.sample(at: 0)   // left, right: [H, W, 3]; disparity: [H, W, 1]?
public struct StereoDataset: Sendable {
  /// The folder or video the dataset was read from.
  public var root: URL
  /// The image pairs, in a deterministic order (sorted folder traversal).
  public var samples: [StereoSampleFiles]
  /// The videos or video segments.
  public var videos: [StereoVideoSource]
  /// The layouts found while scanning.
  public var formats: Set<StereoDatasetFormat>

  /// Creates a dataset from lists of pairs and videos.
  public init(
    root: URL, samples: [StereoSampleFiles], videos: [StereoVideoSource] = [],
    formats: Set<StereoDatasetFormat> = []
  ) {
    self.root = root
    self.samples = samples
    self.videos = videos
    self.formats = formats
  }

  /// Scans the folder or video that `configuration` names.
  ///
  /// - Throws: ``StereoDataError`` when the path is missing, nothing is found, a pair is
  ///   incomplete (a left view without its right view), a calibration or scale file is
  ///   malformed, or a video cannot be probed or split by its layout.
  public init(configuration: StereoDatasetConfiguration) throws {
    var scanner = DatasetScanner(configuration: configuration)
    try scanner.scan()
    self.init(
      root: scanner.root, samples: scanner.samples, videos: scanner.videos,
      formats: scanner.formats)
  }

  /// Scans `url` with the default configuration and `format`.
  ///
  /// - Throws: ``StereoDataError`` as ``init(configuration:)`` does.
  public init(contentsOf url: URL, format: StereoDatasetFormat = .automatic) throws {
    try self.init(configuration: StereoDatasetConfiguration(path: url.path, format: format))
  }

  /// The sources of the pairs and videos, sorted.
  public var sources: [String] {
    Array(Set(samples.map(\.source)).union(videos.map(\.source))).sorted()
  }

  /// Whether the dataset holds neither pairs nor videos.
  public var isEmpty: Bool { samples.isEmpty && videos.isEmpty }

  /// Decodes image pair `index`, with its ground truth when `groundTruth` is true.
  ///
  /// - Throws: ``StereoDataError`` when a file is missing or malformed or the views differ in
  ///   size.
  public func sample(at index: Int, groundTruth: Bool = true) throws -> StereoSample {
    precondition(
      samples.indices.contains(index), "Sample \(index) out of range 0..<\(samples.count)")
    return try samples[index].load(groundTruth: groundTruth)
  }

  /// The dataset reduced to the pairs and videos of `sources`.
  public func restricted(to sources: Set<String>) -> StereoDataset {
    StereoDataset(
      root: root, samples: samples.filter { sources.contains($0.source) },
      videos: videos.filter { sources.contains($0.source) }, formats: formats)
  }

  /// One dataset made of several; with more than one, every source is prefixed with its root's
  /// folder name (`eth3d-two-view/playground_1l`) so that sources stay distinct, and so is every
  /// pair identifier that names the same files as a pair of another dataset.
  ///
  /// Identifiers name files: proxy caches (`/` → `_`), `wnet eval -o` outputs and the
  /// predictions `wnet eval --predictions` reads. Two datasets holding `scene-0000` give
  /// `wA/scene-0000` and `wB/scene-0000`; identifiers that only one dataset holds stay as they
  /// are, so merging datasets without shared names changes no file name. Two identifiers
  /// collide when they are equal with `/` read as `_`. Where roots share a folder name, the
  /// prefix of a colliding identifier also carries the dataset's position (`data-2/scene-0000`,
  /// counting from 1). Videos' frames are named by their (prefixed) source already.
  public init(merging datasets: [StereoDataset]) {
    precondition(!datasets.isEmpty, "Merging needs at least one dataset")
    guard datasets.count > 1 else {
      self = datasets[0]
      return
    }
    let prefixes = datasets.map(\.root.lastPathComponent)
    var samples: [[StereoSampleFiles]] = []
    var videos: [StereoVideoSource] = []
    var formats: Set<StereoDatasetFormat> = []
    for (dataset, prefix) in zip(datasets, prefixes) {
      samples.append(
        dataset.samples.map { sample in
          var renamed = sample
          renamed.source = "\(prefix)/\(sample.source)"
          return renamed
        })
      videos += dataset.videos.map { video in
        var renamed = video
        renamed.source = "\(prefix)/\(video.source)"
        return renamed
      }
      formats.formUnion(dataset.formats)
    }
    Self.disambiguateIdentifiers(&samples, prefixes: prefixes)
    self.init(
      root: datasets[0].root, samples: samples.flatMap { $0 }, videos: videos, formats: formats)
  }

  /// Prefixes the identifiers that name the same files in more than one of `datasets` (each
  /// dataset's pairs, in `--data` order) with their dataset's prefix, until none does.
  static func disambiguateIdentifiers(
    _ datasets: inout [[StereoSampleFiles]], prefixes: [String]
  ) {
    // A folder name given twice gets the dataset's position too.
    let prefixes = prefixes.enumerated().map { index, prefix in
      prefixes.filter { $0 == prefix }.count > 1 ? "\(prefix)-\(index + 1)" : prefix
    }
    // Each round lengthens every colliding identifier; two rounds settle any real layout.
    for _ in 0..<8 {
      var holders: [String: Set<Int>] = [:]
      for (index, samples) in datasets.enumerated() {
        for sample in samples { holders[fileName(sample.identifier), default: []].insert(index) }
      }
      guard holders.values.contains(where: { $0.count > 1 }) else { return }
      for index in datasets.indices {
        for position in datasets[index].indices
        where holders[fileName(datasets[index][position].identifier)]?.count ?? 0 > 1 {
          datasets[index][position].identifier =
            "\(prefixes[index])/\(datasets[index][position].identifier)"
        }
      }
    }
  }

  /// An identifier as the proxy caches (SGBM's and the teacher's) name their files: `/` → `_`.
  public static func fileName(_ identifier: String) -> String {
    identifier.replacingOccurrences(of: "/", with: "_")
  }
}
