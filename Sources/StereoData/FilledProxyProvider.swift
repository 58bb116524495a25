/// A ``StereoProxyProvider`` whose proxies are `primary`'s with their holes filled from
/// `fallback`'s (``StereoProxy/filling(from:)``): `wnet train --proxy-teacher MODEL
/// --proxy-holes sgbm`, the teacher's proxies with SGBM's where the teacher has none.
public struct FilledProxyProvider: StereoProxyProvider {
  /// The proxies kept wherever they have a value.
  public let primary: any StereoProxyProvider
  /// The proxies of `primary`'s holes.
  public let fallback: any StereoProxyProvider

  /// Creates the provider.
  public init(primary: any StereoProxyProvider, fallback: any StereoProxyProvider) {
    self.primary = primary
    self.fallback = fallback
  }

  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    try primary.proxy(for: files, sample: sample)
      .filling(from: fallback.proxy(for: files, sample: sample))
  }
}
