import Foundation

/// The files of one stereo pair on disk, found by scanning a dataset; ``load()`` decodes them.
public struct StereoSampleFiles: Sendable, Hashable {
  /// A disparity map file and how it stores disparity.
  public struct DisparityFile: Sendable, Hashable {
    /// The file.
    public var url: URL
    /// Its encoding.
    public var encoding: DisparityEncoding

    /// Creates a reference to a disparity map file.
    public init(url: URL, encoding: DisparityEncoding) {
      self.url = url
      self.encoding = encoding
    }
  }

  /// Where an evaluation mask comes from.
  public enum MaskFile: Sendable, Hashable {
    /// A grey image: 255 = evaluated.
    case image(URL)
    /// A disparity map: evaluated where the disparity is known (KITTI `disp_noc`).
    case knownDisparity(URL, DisparityEncoding)
  }

  /// See ``StereoSample/identifier``.
  public var identifier: String
  /// See ``StereoSample/source``.
  public var source: String
  /// The left view (PNG or JPEG).
  public var left: URL
  /// The right view (PNG or JPEG).
  public var right: URL
  /// The left view's ground-truth disparity.
  public var disparity: DisparityFile?
  /// The non-occluded region.
  public var nonOccludedMask: MaskFile?
  /// Middlebury 2001-2003's "all" region.
  public var evaluationMask: MaskFile?
  /// Middlebury 2001-2003's discontinuity region.
  public var discontinuityMask: MaskFile?
  /// The rig's calibration, read while scanning.
  public var calibration: StereoCalibration?
  /// See ``StereoSample/maximumDisparity``; read while scanning.
  public var maximumDisparity: Float?

  /// Creates a description of a pair's files.
  public init(
    identifier: String, source: String, left: URL, right: URL,
    disparity: DisparityFile? = nil, nonOccludedMask: MaskFile? = nil,
    evaluationMask: MaskFile? = nil, discontinuityMask: MaskFile? = nil,
    calibration: StereoCalibration? = nil
  ) {
    self.identifier = identifier
    self.source = source
    self.left = left
    self.right = right
    self.nonOccludedMask = nonOccludedMask
    self.evaluationMask = evaluationMask
    self.discontinuityMask = discontinuityMask
    self.calibration = calibration
    self.disparity = disparity
  }

  /// Decodes the views and, unless `groundTruth` is false, the disparity, masks and
  /// calibration.
  ///
  /// - Throws: ``StereoDataError`` when a file is missing or malformed, or when the right view,
  ///   disparity or a mask differs in size from the left view.
  public func load(groundTruth: Bool = true) throws -> StereoSample {
    let leftView = try ImageIO.readColor(left)
    let rightView = try ImageIO.readColor(right)
    try Self.checkSize(of: rightView, at: right, matches: leftView, at: left, what: "right view")
    var sample = StereoSample(
      left: leftView, right: rightView, calibration: calibration,
      maximumDisparity: maximumDisparity, source: source,
      identifier: identifier)
    guard groundTruth else { return sample }
    if let disparity {
      let map = try ImageIO.readDisparity(disparity.url, encoding: disparity.encoding)
      try Self.checkSize(
        of: map, at: disparity.url, matches: leftView, at: left, what: "disparity map")
      try Self.checkRange(of: map, at: disparity.url)
      sample.disparity = map
    }
    sample.nonOccludedMask = try loadMask(nonOccludedMask, matching: leftView, scored: true)
    sample.evaluationMask = try loadMask(evaluationMask, matching: leftView, scored: true)
    sample.discontinuityMask = try loadMask(discontinuityMask, matching: leftView)
    return sample
  }

  /// A mask's pixels; with `scored`, a mask that keeps no pixel (no 255) is an error, as it
  /// would empty the region scored.
  private func loadMask(_ file: MaskFile?, matching view: Image, scored: Bool = false) throws
    -> Image?
  {
    switch file {
    case nil:
      return nil
    case .image(let url):
      let mask = try ImageIO.readMask(url)
      try Self.checkSize(of: mask, at: url, matches: view, at: left, what: "mask")
      if scored && !mask.pixels.contains(where: { $0 > 0 }) {
        throw StereoDataError(
          .corrupt, url, "the mask keeps no pixel (no value at the maximum, 255); nothing to score")
      }
      return mask
    case .knownDisparity(let url, let encoding):
      var mask = try ImageIO.readDisparity(url, encoding: encoding)
      try Self.checkSize(of: mask, at: url, matches: view, at: left, what: "disparity map")
      for index in mask.pixels.indices { mask.pixels[index] = mask.pixels[index].isFinite ? 1 : 0 }
      return mask
    }
  }

  /// Ground truth beyond ±width is not a disparity of this image: a corrupt or mis-scaled file.
  static func checkRange(of map: Image, at url: URL) throws {
    let limit = Float(map.width)
    guard let bad = map.pixels.first(where: { $0.isFinite && abs($0) > limit }) else { return }
    throw StereoDataError(
      .corrupt, url, "holds the disparity \(bad), beyond ±\(map.width) (the image width)")
  }

  static func checkSize(
    of image: Image, at url: URL, matches reference: Image, at referenceURL: URL, what: String
  ) throws {
    guard image.width != reference.width || image.height != reference.height else { return }
    throw StereoDataError(
      .mismatch, url,
      "\(what) is \(image.width)x\(image.height) but the left view "
        + "\(referenceURL.lastPathComponent) is \(reference.width)x\(reference.height)")
  }
}
