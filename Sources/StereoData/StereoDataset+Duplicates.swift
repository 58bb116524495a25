import Foundation

extension StereoDataset {
  /// This dataset without the image pairs whose left view is the same picture
  /// (``ImageFingerprint/isDuplicate(of:)``) as a left view of `reference`, and those pairs.
  ///
  /// Used to keep evaluation scenes out of training when a training set happens to contain them
  /// (MiddEval3's `Teddy` is Middlebury 2003's `teddy`). Videos are kept as they are: only image
  /// pairs are compared.
  ///
  /// - Throws: ``StereoDataError`` when a left view of either dataset cannot be decoded.
  public func removingDuplicates(of reference: StereoDataset) throws -> (
    kept: StereoDataset, removed: [StereoSampleFiles]
  ) {
    let references = try reference.samples.map { try ImageFingerprint(ImageIO.read($0.left)) }
    var kept: [StereoSampleFiles] = []
    var removed: [StereoSampleFiles] = []
    for sample in samples {
      let fingerprint = try ImageFingerprint(ImageIO.read(sample.left))
      if references.contains(where: fingerprint.isDuplicate(of:)) {
        removed.append(sample)
      } else {
        kept.append(sample)
      }
    }
    return (
      StereoDataset(root: root, samples: kept, videos: videos, formats: formats), removed
    )
  }
}
