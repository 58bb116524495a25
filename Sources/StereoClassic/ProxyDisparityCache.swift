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
/// with a ``folder``, the pair's identifier (`/` → `_`) inside that folder. Files are written
/// atomically; a pair is recomputed when any of its four files is missing.
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
    let key = configuration.cacheKey(
      matcher: configuration.matcher(maximumDisparity: maximumDisparity))
    let base: URL
    if let folder {
      let name = files.identifier.replacingOccurrences(of: "/", with: "_")
      base = folder.appendingPathComponent(name)
    } else {
      base = files.left.deletingPathExtension()
    }
    return StereoProxy.files(base: base, key: key)
  }

  /// The proxy of a dataset pair: read from its cache files, or computed with
  /// ``StereoProxy/semiGlobal(left:right:configuration:maximumDisparity:)`` and written there.
  ///
  /// - Parameters:
  ///   - files: The pair's files (they name the cache files).
  ///   - sample: The pair's decoded views (and its disparity bound).
  /// - Throws: ``ClassicStereoError`` from the matcher, ``StereoDataError`` when a cache file
  ///   cannot be read or written, or holds maps of another size than the views.
  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    let urls = self.files(for: files, maximumDisparity: sample.maximumDisparity)
    if let cached = try StereoProxy.read(urls, width: sample.width, height: sample.height) {
      return cached
    }
    if let folder {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    let proxy = try StereoProxy.semiGlobal(
      left: sample.left, right: sample.right, configuration: configuration,
      maximumDisparity: sample.maximumDisparity)
    try proxy.write(urls)
    return proxy
  }
}
