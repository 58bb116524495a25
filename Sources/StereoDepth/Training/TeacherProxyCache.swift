import Foundation
import StereoClassic
import StereoData

/// Proxy disparities from a trained model instead of SGBM: the teacher of `wnet train
/// --proxy-teacher MODEL`, computed once per pair and kept on disk as ``ProxyDisparityCache``
/// keeps SGBM's.
///
/// A pair's proxy is the teacher's disparity at ``InferenceUpscale/automatic`` (the factor of
/// 1, 1.5 and 2 whose disparity rebuilds the left view best), for the left view and, from the
/// mirrored pair (both views flipped and swapped), for the right view. Each is kept where its
/// own run's left-right check (`e = |d_L(x) − d_R(x − d_L(x))| ≤ 1` px, the other view's dense
/// disparity sampled linearly) and speckle filter keep it (``InvalidPixelRule/standard``), with
/// confidence `1/(1 + e)`, as SGBM's cross-check gives. The two runs' maps are not checked
/// against each other again: that second check dropped a tenth of the pixels the prototype
/// (`benchmarks/self_teacher_proxies.py`) kept, and trained a worse model (docs/RUNS.md, `teach`).
///
/// With a ``median``, each view's kept pixels then go through that weighted median (guided by
/// that view), as `wnet infer --median full` does; the confidence stays `1/(1 + e)`.
///
/// With an ``adaptation`` (`wnet train --proxy-teacher-adapt N`), the teacher is first adapted
/// to each pair as `wnet infer --adapt N` adapts it (``DisparityEstimator/adapted(toLeft:right:adaptation:upscale:)``,
/// at ``InferenceUpscale/standard``'s one factor, the SGBM proxy term included when the
/// teacher's objective has one), and both views' maps come from the adapted weights at that
/// factor instead of the search.
///
/// Files: `<identifier>.<key>.{left,left-confidence,right,right-confidence}.pfm` in ``folder``,
/// `<key>` being `teacher-` and 16 hex digits of the FNV-1a hash of the teacher file's bytes
/// (then `-median2` with the standard median, `-median2-R-σ-tolerance[-step-span]` with another;
/// `2`: the filter's single-precision definition of session 22, whose maps differ slightly from
/// the files of the earlier `-median` keys; then `-adaptN` with an adaptation of `N` steps at
/// its default rate), so another teacher, filter or adaptation gives other files. Beside them,
/// `<identifier>.<key>.views` records the views they were computed from
/// (``StereoProxy/viewsFingerprint(left:right:)``), as ``ProxyDisparityCache`` records them.
/// Written atomically, the record last; a pair is recomputed when any of its four files or its
/// record is missing, or when the record names other views (a resumed run's other `--data`,
/// views rewritten under the same name).
public final class TeacherProxyCache: StereoProxyProvider, @unchecked Sendable {
  /// The teacher's checkpoint.
  public let teacher: URL
  /// Where the files go.
  public let folder: URL
  /// The cache key of the teacher's file.
  public let key: String
  /// The weighted median applied to the teacher's kept pixels, or `nil`.
  public let median: WeightedMedianFilter?
  /// The adaptation to each pair before its maps, or `nil` for none.
  public let adaptation: TestTimeAdaptation?
  private let estimator: DisparityEstimator
  private let lock = NSLock()

  /// Loads the teacher (a `matching` checkpoint or any WNet file) and hashes its file.
  ///
  /// - Parameters:
  ///   - teacher: The teacher's file.
  ///   - folder: Where the proxies' files go.
  ///   - median: The weighted median of the teacher's kept pixels, or `nil`.
  ///   - adaptationSteps: `N` of ``adaptation``: the teacher adapted to each pair with `wnet
  ///     infer --adapt N`'s defaults (its rate, the teacher's own training objective); 0 for
  ///     none.
  /// - Throws: When the file cannot be read or is not a model.
  public init(
    teacher: URL, folder: URL, median: WeightedMedianFilter? = nil, adaptationSteps: Int = 0
  ) throws {
    precondition(adaptationSteps >= 0, "Negative adaptation steps: \(adaptationSteps)")
    let (model, metadata, _) = try WNetCheckpoint.loadModel(teacher)
    estimator = DisparityEstimator(model: model, metadata: metadata)
    self.teacher = teacher
    self.folder = folder
    self.median = median
    adaptation =
      adaptationSteps > 0
      ? TestTimeAdaptation(steps: adaptationSteps, loss: metadata.training?.loss) : nil
    key =
      "teacher-" + FNV1a.hex(try Data(contentsOf: teacher)) + Self.suffix(median)
      + (self.adaptation.map { "-adapt\($0.steps)" } ?? "")
  }

  /// The key's suffix for a median: empty without one.
  static func suffix(_ median: WeightedMedianFilter?) -> String {
    guard let median else { return "" }
    if median == .standard { return "-median2" }
    let sampling =
      median.step == 1 && median.edgeSpan == 0 ? "" : "-\(median.step)-\(median.edgeSpan)"
    return "-median2-\(median.radius)-\(median.sigmaColour)-\(median.tolerance)" + sampling
  }

  /// The four files of a pair's proxy: left, left confidence, right, right confidence.
  public func files(for files: StereoSampleFiles) -> [URL] {
    StereoProxy.files(base: base(for: files), key: key)
  }

  /// The record of the views a pair's proxy was computed from (``StereoProxy/viewsFile(base:key:)``).
  public func viewsFile(for files: StereoSampleFiles) -> URL {
    StereoProxy.viewsFile(base: base(for: files), key: key)
  }

  /// The proxy of a dataset pair: read from its files when their record names the pair's
  /// views, or computed and written there.
  ///
  /// - Throws: When a view or cache file cannot be read or written, a cache file of these views
  ///   holds maps of another size, or the teacher fails.
  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    let urls = self.files(for: files)
    let views = viewsFile(for: files)
    let fingerprint = try StereoProxy.viewsFingerprint(left: files.left, right: files.right)
    func cached() throws -> StereoProxy? {
      try StereoProxy.read(
        urls, width: sample.width, height: sample.height, views: views, fingerprint: fingerprint)
    }
    if let cached = try cached() { return cached }
    // One pair at a time: the estimator's plans are not shared across threads. Another
    // thread may have written this pair meanwhile.
    lock.lock()
    defer { lock.unlock() }
    if let cached = try cached() { return cached }
    let proxy = try Self.proxy(
      estimator: estimator, left: sample.left, right: sample.right, median: median,
      adaptation: adaptation)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try proxy.write(urls, views: views, fingerprint: fingerprint)
    return proxy
  }

  /// Where a pair's file names start: its identifier (`/` → `_`) in ``folder``.
  private func base(for files: StereoSampleFiles) -> URL {
    folder.appendingPathComponent(StereoDataset.fileName(files.identifier))
  }

  /// A pair's proxy from a teacher, as described above.
  public static func proxy(
    estimator: DisparityEstimator, left: Image, right: Image, median: WeightedMedianFilter? = nil,
    adaptation: TestTimeAdaptation? = nil
  ) throws -> StereoProxy {
    var (estimator, upscale) = (estimator, InferenceUpscale.automatic)
    if let adaptation, adaptation.steps > 0 {
      upscale = .standard
      estimator = try estimator.adapted(
        toLeft: left, right: right, adaptation: adaptation, upscale: upscale)
    }
    let (leftMap, leftConfidence) = try checked(
      estimator: estimator, left: left, right: right, median: median, upscale: upscale)
    let (rightMap, rightConfidence) = try checked(
      estimator: estimator, left: right.flippedHorizontally(), right: left.flippedHorizontally(),
      median: median, upscale: upscale)
    return StereoProxy(
      leftDisparity: leftMap, leftConfidence: leftConfidence,
      rightDisparity: rightMap.flippedHorizontally(),
      rightConfidence: rightConfidence.flippedHorizontally())
  }

  /// The left view's disparity at `upscale` (``InferenceUpscale/automatic`` but after
  /// adaptation), `+∞` where the teacher's
  /// left-right check (`e ≤ 1` px against the same run's right view) or speckle filter rejects
  /// it (``InvalidPixelRule/standard`` with `τ = 1`, the right view at the left view's scale, no
  /// hole fill and no border padding, as every teacher so far was run; then `median` if given), and
  /// its confidence `1/(1 + e)` (0 where rejected).
  static func checked(
    estimator: DisparityEstimator, left: Image, right: Image, median: WeightedMedianFilter?,
    upscale: InferenceUpscale = .automatic
  ) throws -> (disparity: Image, confidence: Image) {
    let prediction = try estimator.predict(
      left: left, right: right,
      invalidPixels: InvalidPixelRule(
        maximumLeftRightDifference: 1, median: median, rightViewScalesDropped: 0, holes: nil,
        borderPadding: 0, rowPadding: 0),
      compactMemory: true, upscale: upscale)
    let map = prediction.validDisparity
    var confidence = Image(width: map.width, height: map.height, channels: 1)
    if let difference = prediction.leftRightDifference {
      for index in map.pixels.indices where map.pixels[index].isFinite {
        confidence.pixels[index] = 1 / (1 + difference.pixels[index])
      }
    }
    return (map, confidence)
  }
}
