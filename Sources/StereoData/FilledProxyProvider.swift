/// A ``StereoProxyProvider`` whose proxies are `primary`'s with their holes filled from
/// `fallback`'s (``StereoProxy/filling(from:)``): `wnet train --proxy-teacher MODEL
/// --proxy-holes sgbm`, the teacher's proxies with SGBM's where the teacher has none; with
/// ``conflicts``, also where the two differ by more than that (`--proxy-holes sgbm-conflicts`).
public struct FilledProxyProvider: StereoProxyProvider {
  /// The proxies kept wherever they have a value.
  public let primary: any StereoProxyProvider
  /// The proxies of `primary`'s holes (and, with ``conflicts``, of the pixels where the two
  /// disagree).
  public let fallback: any StereoProxyProvider
  /// The largest difference, in pixels, at which `primary`'s known value stays; `nil`: it always
  /// stays (``StereoProxy/filling(from:conflicts:)``).
  public let conflicts: Float?

  /// Creates the provider.
  public init(
    primary: any StereoProxyProvider, fallback: any StereoProxyProvider, conflicts: Float? = nil
  ) {
    self.primary = primary
    self.fallback = fallback
    self.conflicts = conflicts
  }

  public func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy {
    try primary.proxy(for: files, sample: sample)
      .filling(from: fallback.proxy(for: files, sample: sample), conflicts: conflicts)
  }
}
