import Foundation
import StereoClassic
import StereoData

/// Where a run's training pairs come from: real datasets, synthetic scenes or both, how the real
/// sources are split into training and held-out ones, and how real pairs are augmented.
///
/// A step's batch of `N` pairs holds `R = min(N, max(1, round(N · (1 − syntheticShare))))`
/// real pairs (when there are ``sources``) followed by `N − R` synthetic scenes.
public struct TrainingDataRecipe: Codable, Sendable, Equatable {
  /// The datasets of real pairs (paths absolute, so `--resume` works from any directory);
  /// empty for synthetic scenes only.
  public var sources: [StereoDatasetConfiguration]
  /// The share of each batch made of synthetic scenes, in [0, 1]; 1 without ``sources``.
  public var syntheticShare: Double
  /// How synthetic scenes are rendered.
  public var synthetic: SyntheticSceneSettings
  /// How sources are chosen to be held out (by name, or a fraction drawn with a seed).
  public var splitPolicy: SplitPolicy
  /// The split drawn from ``splitPolicy`` when the run started, kept so that a resumed run holds
  /// out the same sources even if the folders gained files; `nil` draws it when the data is built.
  public var split: DatasetSplit?
  /// The random changes of real training pairs (held-out pairs are only cropped).
  public var augmentation: AugmentationConfiguration
  /// The most real held-out pairs evaluated at each validation.
  public var validationSamples: Int
  /// How the real training pairs' proxy disparities are computed.
  ///
  /// Used when the loss has a proxy term (``LossConfiguration/proxyWeight`` > 0): OpenCV SGBM,
  /// cached once per pair in the run's `proxies` folder under a key of these parameters
  /// (``ProxyDisparityCache``). Synthetic scenes never have proxies.
  public var proxies: ProxyDisparityConfiguration
  /// A model file whose disparities replace SGBM's as the proxies (``TeacherProxyCache``), or
  /// `nil` for SGBM's (``proxies``).
  public var proxyTeacher: String?
  /// With ``proxyTeacher``: what the pixels that the teacher leaves empty hold.
  public var proxyHoles: ProxyHoles = .empty
  /// With ``proxyTeacher``: its kept pixels also go through the weighted median
  /// (``WeightedMedianFilter/standard``, as `wnet infer --median full`) before they are
  /// proxies. Off by default, and in recipes stored before it existed.
  public var proxyTeacherMedian = false
  /// With ``proxyTeacher``: the teacher is adapted to each pair with this many steps of
  /// `wnet infer --adapt` before its maps become proxies (``TeacherProxyCache/adaptation``);
  /// 0 (the default, and in recipes stored before it existed) for none.
  public var proxyTeacherAdaptation = 0
  /// Evaluation datasets (paths absolute), whose pictures training leaves out.
  ///
  /// A pair of ``sources`` whose left view is the same picture as one of theirs
  /// (``ImageFingerprint``) is left out before the split, so that their scores stay held out.
  /// Empty by default, and in recipes stored before it existed.
  public var evaluationSources: [String] = []

  /// What a teacher's proxy holds where the teacher rejects its own estimate.
  public enum ProxyHoles: String, Codable, CaseIterable, Sendable {
    /// Nothing: the proxy term leaves those pixels out.
    case empty
    /// SGBM's proxy and confidence where SGBM has one (``ProxyDisparityCache`` with
    /// ``proxies``; ``FilledProxyProvider``).
    case sgbm
    /// As ``sgbm``, and also where the teacher's kept value differs from SGBM's by more than
    /// ``conflicts`` pixels: on the evaluation sets SGBM is right more often than the model in
    /// such conflicts (docs/RUNS.md, "SGBM where the teacher disagrees with it").
    case sgbmConflicts = "sgbm-conflicts"

    /// The difference above which the teacher's kept value gives way to SGBM's
    /// (``FilledProxyProvider/conflicts``): 3 px (bad-3's) for ``sgbmConflicts``, `nil` (never)
    /// otherwise.
    public var conflicts: Float? { self == .sgbmConflicts ? 3 : nil }
  }

  /// Creates a data recipe; the default is synthetic scenes only.
  public init(
    sources: [StereoDatasetConfiguration] = [], syntheticShare: Double? = nil,
    synthetic: SyntheticSceneSettings = SyntheticSceneSettings(), splitPolicy: SplitPolicy = .none,
    split: DatasetSplit? = nil, augmentation: AugmentationConfiguration = .standard,
    validationSamples: Int = 24, proxies: ProxyDisparityConfiguration = .standard
  ) {
    self.proxies = proxies
    self.sources = sources
    self.syntheticShare = syntheticShare ?? (sources.isEmpty ? 1 : 0.5)
    self.synthetic = synthetic
    self.splitPolicy = splitPolicy
    self.split = split
    self.augmentation = augmentation
    self.validationSamples = validationSamples
  }

  /// A preset's default augmentation of real pairs: `.standard` (shrink only), and for
  /// `matching` random scale up to 2.5 with crops covering at least 3% of the scaled pair, so
  /// that training sees disparities of 200 px and more (its shipped run).
  public static func augmentation(for preset: WNetPreset) -> AugmentationConfiguration {
    preset == .matching
      ? AugmentationConfiguration(minimumCoverage: 0.03, maximumScale: 2.5) : .standard
  }

  /// Whether the batches hold real pairs.
  public var hasRealPairs: Bool { !sources.isEmpty }

  /// The problems with this recipe, as one-line messages (empty when valid).
  public var problems: [String] {
    var problems: [String] = []
    if !(0...1).contains(syntheticShare) {
      problems.append("the synthetic share must lie in [0, 1], got \(syntheticShare)")
    }
    if sources.isEmpty && syntheticShare != 1 {
      problems.append(
        "without data sources every pair is synthetic; the share is \(syntheticShare)")
    }
    if proxyHoles != .empty && proxyTeacher == nil {
      problems.append("the proxy holes are filled only in a teacher's proxies")
    }
    if proxyTeacherMedian && proxyTeacher == nil {
      problems.append("the weighted median filters only a teacher's proxies")
    }
    if proxyTeacherAdaptation != 0 && proxyTeacher == nil {
      problems.append("only a teacher is adapted to the pairs")
    }
    if proxyTeacherAdaptation < 0 {
      problems.append(
        "the teacher's adaptation steps must not be negative, got \(proxyTeacherAdaptation)")
    }
    if validationSamples < 0 {
      problems.append("the held-out sample count must not be negative, got \(validationSamples)")
    }
    return problems + synthetic.problems + augmentation.problems
  }

  /// What differs from `other`, one short line per changed field.
  public func changes(from other: TrainingDataRecipe) -> [String] {
    var changes: [String] = []
    if sources != other.sources {
      changes.append("data \(other.sources.map(\.path)) → \(sources.map(\.path))")
    }
    if syntheticShare != other.syntheticShare {
      changes.append("synthetic share \(other.syntheticShare) → \(syntheticShare)")
    }
    if synthetic != other.synthetic {
      changes.append("synthetic scenes \(other.synthetic) → \(synthetic)")
    }
    if splitPolicy != other.splitPolicy {
      changes.append("split policy \(other.splitPolicy) → \(splitPolicy)")
    }
    if split != other.split {
      let held = split?.validationSources ?? []
      changes.append("held-out sources \(other.split?.validationSources ?? []) → \(held)")
    }
    if augmentation != other.augmentation {
      changes.append("augmentation \(other.augmentation) → \(augmentation)")
    }
    if validationSamples != other.validationSamples {
      changes.append("held-out samples \(other.validationSamples) → \(validationSamples)")
    }
    if proxies != other.proxies {
      changes.append("proxy settings \(other.proxies) → \(proxies)")
    }
    if proxyTeacher != other.proxyTeacher {
      changes.append(
        "proxy teacher \(other.proxyTeacher ?? "none (SGBM)") → \(proxyTeacher ?? "none (SGBM)")")
    }
    if proxyHoles != other.proxyHoles {
      changes.append("proxy holes \(other.proxyHoles.rawValue) → \(proxyHoles.rawValue)")
    }
    if proxyTeacherMedian != other.proxyTeacherMedian {
      changes.append(
        "teacher's weighted median \(other.proxyTeacherMedian) → \(proxyTeacherMedian)")
    }
    if proxyTeacherAdaptation != other.proxyTeacherAdaptation {
      changes.append(
        "teacher's adaptation steps \(other.proxyTeacherAdaptation) → \(proxyTeacherAdaptation)")
    }
    if evaluationSources != other.evaluationSources {
      changes.append("evaluation data \(other.evaluationSources) → \(evaluationSources)")
    }
    return changes
  }

  /// Scans every source and joins them into one dataset, without the pairs that duplicate an
  /// evaluation pair (``evaluationSources``).
  ///
  /// - Throws: ``StereoDataError`` for a missing or unreadable source or evaluation dataset;
  ///   ``TrainingError`` when there are no sources.
  public func loadDataset() throws -> StereoDataset {
    try loadScreenedDataset().kept
  }

  /// ``loadDataset()`` and the pairs it left out as duplicates of evaluation pairs.
  ///
  /// - Throws: As ``loadDataset()``.
  public func loadScreenedDataset() throws -> (kept: StereoDataset, removed: [StereoSampleFiles]) {
    guard !sources.isEmpty else { throw TrainingError("the training data names no dataset") }
    let dataset = try StereoDataset(merging: sources.map { try StereoDataset(configuration: $0) })
    guard !evaluationSources.isEmpty else { return (dataset, []) }
    let evaluation = try StereoDataset(
      merging: evaluationSources.map { try StereoDataset(contentsOf: URL(fileURLWithPath: $0)) })
    return try dataset.removingDuplicates(of: evaluation)
  }

  /// This recipe with ``split`` drawn from ``splitPolicy`` over the sources as they are now (no
  /// change without sources).
  ///
  /// - Throws: ``StereoDataError`` when a source cannot be read or the policy cannot be met.
  public func drawingSplit() throws -> TrainingDataRecipe {
    guard hasRealPairs else { return self }
    var recipe = self
    recipe.split = try loadDataset().split(splitPolicy).split
    return recipe
  }

  private enum CodingKeys: String, CodingKey {
    case sources, syntheticShare, synthetic, splitPolicy, split, augmentation, validationSamples
    case proxies, proxyTeacher, proxyHoles, proxyTeacherMedian, proxyTeacherAdaptation
    case evaluationSources
  }

  /// Decodes a data recipe; fields other than ``sources`` take their defaults when absent.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    sources = try container.decode([StereoDatasetConfiguration].self, forKey: .sources)
    syntheticShare =
      try container.decodeIfPresent(Double.self, forKey: .syntheticShare)
      ?? (sources.isEmpty ? 1 : 0.5)
    synthetic =
      try container.decodeIfPresent(SyntheticSceneSettings.self, forKey: .synthetic)
      ?? SyntheticSceneSettings()
    splitPolicy = try container.decodeIfPresent(SplitPolicy.self, forKey: .splitPolicy) ?? .none
    split = try container.decodeIfPresent(DatasetSplit.self, forKey: .split)
    augmentation =
      try container.decodeIfPresent(AugmentationConfiguration.self, forKey: .augmentation)
      ?? .standard
    validationSamples = try container.decodeIfPresent(Int.self, forKey: .validationSamples) ?? 24
    proxies =
      try container.decodeIfPresent(ProxyDisparityConfiguration.self, forKey: .proxies)
      ?? .standard
    proxyTeacher = try container.decodeIfPresent(String.self, forKey: .proxyTeacher)
    proxyHoles = try container.decodeIfPresent(ProxyHoles.self, forKey: .proxyHoles) ?? .empty
    proxyTeacherMedian =
      try container.decodeIfPresent(Bool.self, forKey: .proxyTeacherMedian) ?? false
    proxyTeacherAdaptation =
      try container.decodeIfPresent(Int.self, forKey: .proxyTeacherAdaptation) ?? 0
    evaluationSources =
      try container.decodeIfPresent([String].self, forKey: .evaluationSources) ?? []
  }
}

extension TrainingDataRecipe {
  /// Converts the data record of checkpoints written before the recipe was typed: string values
  /// under `paths` (a JSON list), `format`, `fps`, `layout`, `segmentSeconds`, `syntheticShare`
  /// and `split` (``DatasetSplit``'s JSON). Every other field takes the value those runs used.
  ///
  /// - Throws: ``TrainingError`` naming the first value that does not read.
  public init(legacyRecord record: [String: String]) throws {
    func value<T>(_ key: String, _ parse: (String) -> T?) throws -> T? {
      guard let text = record[key] else { return nil }
      guard let parsed = parse(text) else {
        throw TrainingError("the stored training data has an unreadable '\(key)': \(text)")
      }
      return parsed
    }
    let paths =
      try value("paths") { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    let format = try value("format", StereoDatasetFormat.init(rawValue:)) ?? .automatic
    let layout = try value("layout", StereoVideoLayout.init(rawValue:))
    let framesPerSecond = try value("fps") { Double($0).flatMap { $0 > 0 ? $0 : nil } } ?? 1
    let segment = try value("segmentSeconds") { Double($0).flatMap { $0 > 0 ? $0 : nil } }
    let share = try value("syntheticShare", Double.init) ?? 1
    let split = try value("split") { try? DatasetSplit(jsonData: Data($0.utf8)) }
    self.init(
      sources: paths.map {
        StereoDatasetConfiguration(
          path: $0, format: format, videoLayout: layout, framesPerSecond: framesPerSecond,
          segmentDuration: segment)
      },
      syntheticShare: share, splitPolicy: split?.policy ?? .none, split: split)
  }
}
