/// Proxy labels for both views of a pair: disparities from another method (for example OpenCV's
/// semi-global matcher, checked left against right) with a per-pixel confidence, standing in
/// for ground truth that the dataset does not have.
///
/// Maps are `[H, W, 1]` at the pair's resolution. Disparities are in pixels with the pair's
/// convention (left `x` ↔ right `x − d`; the right view's disparity `d_R` maps right `x` to
/// left `x + d_R`); rejected pixels are `.infinity` with confidence 0. Confidence is in [0, 1].
public struct StereoProxy: Sendable, Equatable {
  /// The left view's disparity, `[H, W, 1]`, unknown = `.infinity`.
  public var leftDisparity: Image
  /// The left view's confidence, `[H, W, 1]` in [0, 1], 0 where unknown.
  public var leftConfidence: Image
  /// The right view's disparity, `[H, W, 1]`, unknown = `.infinity`.
  public var rightDisparity: Image
  /// The right view's confidence, `[H, W, 1]` in [0, 1], 0 where unknown.
  public var rightConfidence: Image

  /// Creates a proxy; the four maps must have one size and one channel.
  public init(
    leftDisparity: Image, leftConfidence: Image, rightDisparity: Image, rightConfidence: Image
  ) {
    for map in [leftConfidence, rightDisparity, rightConfidence] {
      precondition(
        map.width == leftDisparity.width && map.height == leftDisparity.height
          && map.channels == 1 && leftDisparity.channels == 1,
        "Proxy maps must be [H, W, 1] of one size")
    }
    self.leftDisparity = leftDisparity
    self.leftConfidence = leftConfidence
    self.rightDisparity = rightDisparity
    self.rightConfidence = rightConfidence
  }

  /// The proxy of the pair flipped with swapped views (see ``AugmentationConfiguration``): the
  /// new left view is the mirrored right view, so its proxy is the mirrored right proxy, and
  /// vice versa. Disparities keep their sign.
  public func flippedWithSwappedViews() -> StereoProxy {
    StereoProxy(
      leftDisparity: rightDisparity.flippedHorizontally(),
      leftConfidence: rightConfidence.flippedHorizontally(),
      rightDisparity: leftDisparity.flippedHorizontally(),
      rightConfidence: leftConfidence.flippedHorizontally())
  }

  /// The proxy of the pair mirrored top to bottom (both views, unswapped): every map mirrored,
  /// disparities unchanged.
  public func flippedVertically() -> StereoProxy {
    StereoProxy(
      leftDisparity: leftDisparity.flippedVertically(),
      leftConfidence: leftConfidence.flippedVertically(),
      rightDisparity: rightDisparity.flippedVertically(),
      rightConfidence: rightConfidence.flippedVertically())
  }

  /// The `width × height` window at `(originX, originY)` of the proxy scaled by `scale` (both
  /// axes), by nearest neighbour so no value is blended across an edge; disparities are
  /// multiplied by `scale`, since they are measured along x.
  ///
  /// Output pixel `(y, x)` takes input column `⌊(x + originX + 0.5) / scale⌋` (clamped; rows
  /// alike): the input pixel whose cell holds the output pixel's centre, with the half-pixel
  /// centres ``Image/resampled(width:height:scaleX:scaleY:originX:originY:)`` uses for the views.
  public func resampled(scale: Float, originX: Int, originY: Int, width: Int, height: Int)
    -> StereoProxy
  {
    func cut(_ map: Image, isDisparity: Bool) -> Image {
      var result = map.resampledNearest(
        width: width, height: height, scaleX: scale, scaleY: scale, originX: Float(originX),
        originY: Float(originY))
      if isDisparity { for index in result.pixels.indices { result.pixels[index] *= scale } }
      return result
    }
    return StereoProxy(
      leftDisparity: cut(leftDisparity, isDisparity: true),
      leftConfidence: cut(leftConfidence, isDisparity: false),
      rightDisparity: cut(rightDisparity, isDisparity: true),
      rightConfidence: cut(rightConfidence, isDisparity: false))
  }

  /// The share of the left view's pixels that have a proxy disparity.
  public var leftKeptShare: Double {
    let kept = leftDisparity.pixels.filter(\.isFinite).count
    return leftDisparity.pixels.isEmpty ? 0 : Double(kept) / Double(leftDisparity.pixels.count)
  }
}

/// Supplies the proxy of a dataset pair to ``StereoBatchLoader``.
///
/// `StereoClassic`'s `ProxyDisparityCache` is one: OpenCV SGBM disparities, computed once per
/// pair and parameters and cached on disk.
public protocol StereoProxyProvider: Sendable {
  /// The proxy of the pair `files`, whose decoded views are `sample`.
  ///
  /// - Throws: When the proxy cannot be computed or read.
  func proxy(for files: StereoSampleFiles, sample: StereoSample) throws -> StereoProxy
}
