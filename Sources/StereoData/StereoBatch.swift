import StereoTensor

/// A batch of stereo pairs ready for the network.
public struct StereoBatch: Sendable {
  /// The left views, `[N, H, W, 3]` in [0, 1].
  public var left: Tensor
  /// The right views, `[N, H, W, 3]` in [0, 1].
  public var right: Tensor
  /// The left views' ground-truth disparity, `[N, H, W, 1]` in pixels at the batch's scale,
  /// unknown = `.infinity`. Only in validation batches, and only when every sample has it.
  public var disparity: Tensor?
  /// The left views' proxy disparity (``StereoProxy/leftDisparity``), `[N, H, W, 1]` in pixels
  /// at the batch's scale, unknown = `.infinity`; only when the loader has a
  /// ``StereoProxyProvider`` and every sample has a proxy.
  public var proxyDisparity: Tensor?
  /// The left views' proxy confidence, `[N, H, W, 1]` in [0, 1], with ``proxyDisparity``.
  public var proxyConfidence: Tensor?
  /// The right views' proxy disparity (right `x` ↔ left `x + d`), `[N, H, W, 1]`.
  public var rightProxyDisparity: Tensor?
  /// The right views' proxy confidence, `[N, H, W, 1]` in [0, 1].
  public var rightProxyConfidence: Tensor?
  /// The samples' identifiers (``StereoSample/identifier``), in batch order.
  public var identifiers: [String]
  /// The batch's number in its stream, from 0.
  public var index: Int

  /// The number of pairs, `N`.
  public var count: Int { identifiers.count }
}

/// How ``StereoBatchLoader`` cuts and delivers batches.
public struct StereoLoaderConfiguration: Sendable, Hashable, Codable {
  /// Pairs per batch, `N`.
  public var batchSize: Int
  /// The crop height, `H`.
  public var height: Int
  /// The crop width, `W`.
  public var width: Int
  /// The random changes of training pairs.
  public var augmentation: AugmentationConfiguration
  /// The seed every random choice derives from.
  public var seed: UInt64
  /// Background threads that decode and augment.
  public var workerCount: Int
  /// Batches prepared ahead of the consumer: the bound of the queue.
  public var prefetchBatches: Int
  /// How many video frames are mixed before one is drawn (frames of a video arrive in order).
  public var shuffleBufferFrames: Int
  /// Memory for decoded image pairs kept between passes, in megabytes (0 = decode every time).
  public var cacheMegabytes: Int

  /// Creates a configuration.
  public init(
    batchSize: Int, height: Int, width: Int, augmentation: AugmentationConfiguration = .standard,
    seed: UInt64 = 0, workerCount: Int = 2, prefetchBatches: Int = 4, shuffleBufferFrames: Int = 32,
    cacheMegabytes: Int = 1024
  ) {
    precondition(
      batchSize > 0 && height > 0 && width > 0, "Bad batch shape \(batchSize)x\(height)x\(width)")
    precondition(
      workerCount > 0 && prefetchBatches > 0 && shuffleBufferFrames > 0,
      "workerCount \(workerCount), prefetchBatches \(prefetchBatches) and shuffleBufferFrames \(shuffleBufferFrames) must be positive"
    )
    self.batchSize = batchSize
    self.height = height
    self.width = width
    self.augmentation = augmentation
    self.seed = seed
    self.workerCount = workerCount
    self.prefetchBatches = prefetchBatches
    self.shuffleBufferFrames = shuffleBufferFrames
    precondition(cacheMegabytes >= 0, "cacheMegabytes must not be negative, got \(cacheMegabytes)")
    self.cacheMegabytes = cacheMegabytes
  }
}

extension StereoBatch {
  /// Stacks `[H, W, 3]` views (and optional `[H, W, 1]` disparities and proxies) into a batch.
  init(
    lefts: [Image], rights: [Image], disparities: [Image?], proxies: [StereoProxy?] = [],
    identifiers: [String], index: Int
  ) {
    precondition(!lefts.isEmpty && lefts.count == rights.count, "A batch needs matching views")
    let (height, width) = (lefts[0].height, lefts[0].width)
    func stack(_ images: [Image], channels: Int) -> Tensor {
      var scalars: [Float] = []
      scalars.reserveCapacity(images.count * height * width * channels)
      for image in images {
        precondition(
          image.width == width && image.height == height && image.channels == channels,
          "Batch images differ: \(image.width)x\(image.height)x\(image.channels) vs \(width)x\(height)x\(channels)"
        )
        scalars.append(contentsOf: image.pixels)
      }
      return Tensor(shape: [images.count, height, width, channels], scalars: scalars)
    }
    self.left = stack(lefts, channels: 3)
    self.right = stack(rights, channels: 3)
    let known = disparities.compactMap { $0 }
    self.disparity = known.count == lefts.count ? stack(known, channels: 1) : nil
    let proxies = proxies.compactMap { $0 }
    if proxies.count == lefts.count {
      self.proxyDisparity = stack(proxies.map(\.leftDisparity), channels: 1)
      self.proxyConfidence = stack(proxies.map(\.leftConfidence), channels: 1)
      self.rightProxyDisparity = stack(proxies.map(\.rightDisparity), channels: 1)
      self.rightProxyConfidence = stack(proxies.map(\.rightConfidence), channels: 1)
    }
    self.identifiers = identifiers
    self.index = index
  }
}
