import Foundation
import StereoData

/// Proxy disparities computed once per pair and parameters and kept on disk, so a training run
/// (and every later run with the same settings) pays for SGBM once per pair.
///
/// A pair's proxy is four PFM files (`left`, `left-confidence`, `right`, `right-confidence`,
/// each `[H, W, 1]` float32; unknown disparity `+inf`), named
///
///     <stem>.<key>.<map>.pfm
///
/// where `<key>` is ``ProxyDisparityConfiguration/cacheKey(matcher:)`` (the parameters' hash)
/// and `<stem>` is the left view's file name without its extension, written beside it, or,
/// with a ``folder``, the pair's identifier (`/` → `_`) inside that folder. Beside them,
/// `<stem>.<key>.views` records the views they were computed from
/// (``StereoProxy/viewsFingerprint(left:right:)``, the FNV-1a hashes of the two view files). Files
/// are written atomically, the record last; a pair is recomputed when any of its four files or
/// its record is missing, or when the record names other views: a resumed run whose `--data`
/// changed, or rewritten views, never reuses another picture's proxies. A cache written before
/// the record existed is computed once more, to the same maps.
public struct ProxyDisparityCache: StereoProxyProvider {
  /// The matcher and cross-check.
  public var configuration: ProxyDisparityConfiguration
  /// Where the files go; `nil` = beside each pair's left view.
  public var folder: URL?

  /// Creates a cache.
  public init(configuration: ProxyDisparityConfiguration = .standard, folder: URL? = nil) {
    self.configuration = configuration
    self.folder = folder
  }

  /// The four files of a pair's proxy, in the order left, left confidence, right, right
  /// confidence.
  public func files(for files: StereoSampleFiles, maximumDisparity: Float?) -> [URL] {
    StereoProxy.files(base: base(for: files), key: key(maximumDisparity: maximumDisparity))
  }

  /// The record of the views a pair's proxy was computed from (``StereoProxy/viewsFile(base:key:)``).
  public func viewsFile(for files: StereoSampleFiles, maximumDisparity: Float?) -> URL {
    StereoProxy.viewsFile(base: base(for: files), key: key(maximumDisparity: maximumDisparity))
  }

  /// The proxy of a dataset pair: read from its cache files when their record names the pair's
  /// views, or computed with
  /// ``StereoProxy/semiGlobal(left:right:configuration:maximumDisparity:)`` and written there.
  ///
  /// - Parameters:
  ///   - files: The pair's files (they name the cache files; their bytes are its views').
  ///   - sample: The pair's decoded views (and its disparity bound).
  /// - Throws: ``ClassicStereoError`` from the matcher, ``StereoDataError`` when a view or cache
  ///   file cannot be read or written, or a cache file of these views holds maps of another size.
  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    let urls = self.files(for: files, maximumDisparity: sample.maximumDisparity)
    let views = viewsFile(for: files, maximumDisparity: sample.maximumDisparity)
    let fingerprint = try StereoProxy.viewsFingerprint(left: files.left, right: files.right)
    if let cached = try StereoProxy.read(
      urls, width: sample.width, height: sample.height, views: views, fingerprint: fingerprint)
    {
      return cached
    }
    if let folder {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    let proxy = try StereoProxy.semiGlobal(
      left: sample.left, right: sample.right, configuration: configuration,
      maximumDisparity: sample.maximumDisparity)
    try proxy.write(urls, views: views, fingerprint: fingerprint)
    return proxy
  }

  /// The cache key of the matcher for a pair with this disparity bound.
  private func key(maximumDisparity: Float?) -> String {
    configuration.cacheKey(matcher: configuration.matcher(maximumDisparity: maximumDisparity))
  }

  /// Where a pair's file names start: its identifier in ``folder``, else beside its left view.
  private func base(for files: StereoSampleFiles) -> URL {
    guard let folder else { return files.left.deletingPathExtension() }
    return folder.appendingPathComponent(StereoDataset.fileName(files.identifier))
  }
}
