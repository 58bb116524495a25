import Foundation
import StereoClassic
import StereoData

/// Proxy disparities from a trained model instead of SGBM: the teacher of `wnet train
/// --proxy-teacher MODEL`, computed once per pair and kept on disk as ``ProxyDisparityCache``
/// keeps SGBM's.
///
/// A pair's proxy is the teacher's disparity at ``InferenceUpscale/automatic`` (the factor of
/// 1, 1.5 and 2 whose disparity rebuilds the left view best), for the left view and, from the
/// mirrored pair (both views flipped and swapped), for the right view; each kept where the
/// teacher's own left-right check and speckle filter keep it (``InvalidPixelRule/standard``),
/// then the two cross-checked within 1 px with confidence `1/(1 + Δ)`
/// (``StereoProxy/crossChecked(_:against:direction:tolerance:)``), as SGBM's proxies are.
///
/// Files: `<identifier>.<key>.{left,left-confidence,right,right-confidence}.pfm` in ``folder``,
/// `<key>` being `teacher-` and 16 hex digits of the FNV-1a hash of the teacher file's bytes, so
/// another teacher gives other files. Written atomically; a pair is recomputed when any of its
/// four files is missing.
public final class TeacherProxyCache: StereoProxyProvider, @unchecked Sendable {
  /// The teacher's checkpoint.
  public let teacher: URL
  /// Where the files go.
  public let folder: URL
  /// The cache key of the teacher's file.
  public let key: String
  private let estimator: DisparityEstimator
  private let lock = NSLock()

  /// Loads the teacher (a `matching` checkpoint or any WNet file) and hashes its file.
  ///
  /// - Throws: When the file cannot be read or is not a model.
  public init(teacher: URL, folder: URL) throws {
    let (model, metadata, _) = try WNetCheckpoint.loadModel(teacher)
    estimator = DisparityEstimator(model: model, metadata: metadata)
    self.teacher = teacher
    self.folder = folder
    key = Self.key(of: try Data(contentsOf: teacher))
  }

  /// `teacher-` and 16 hex digits of the 64-bit FNV-1a hash of `bytes`.
  static func key(of bytes: Data) -> String {
    "teacher-" + FNV1a.hex(bytes)
  }

  /// The four files of a pair's proxy: left, left confidence, right, right confidence.
  public func files(for files: StereoSampleFiles) -> [URL] {
    let name = files.identifier.replacingOccurrences(of: "/", with: "_")
    return ["left", "left-confidence", "right", "right-confidence"].map {
      folder.appendingPathComponent("\(name).\(key).\($0).pfm")
    }
  }

  /// The proxy of a dataset pair: read from its files, or computed and written there.
  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    let urls = self.files(for: files)
    if let cached = try StereoProxy.read(urls, width: sample.width, height: sample.height) {
      return cached
    }
    // One pair at a time: the estimator's plans are not shared across threads. Another
    // thread may have written this pair meanwhile.
    lock.lock()
    defer { lock.unlock() }
    if let cached = try StereoProxy.read(urls, width: sample.width, height: sample.height) {
      return cached
    }
    let proxy = try Self.proxy(estimator: estimator, left: sample.left, right: sample.right)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try proxy.write(urls)
    return proxy
  }

  /// A pair's proxy from a teacher, as described above.
  public static func proxy(estimator: DisparityEstimator, left: Image, right: Image) throws
    -> StereoProxy
  {
    func marked(_ left: Image, _ right: Image) throws -> Image {
      try estimator.predict(
        left: left, right: right, invalidPixels: .standard, compactMemory: true,
        upscale: .automatic
      ).validDisparity
    }
    let leftMap = try marked(left, right)
    let rightMap = try marked(right.flippedHorizontally(), left.flippedHorizontally())
      .flippedHorizontally()
    let (checkedLeft, leftConfidence) = StereoProxy.crossChecked(
      leftMap, against: rightMap, direction: -1, tolerance: 1)
    let (checkedRight, rightConfidence) = StereoProxy.crossChecked(
      rightMap, against: leftMap, direction: 1, tolerance: 1)
    return StereoProxy(
      leftDisparity: checkedLeft, leftConfidence: leftConfidence, rightDisparity: checkedRight,
      rightConfidence: rightConfidence)
  }
}
