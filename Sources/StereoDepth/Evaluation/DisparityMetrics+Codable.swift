/// The JSON form holds the counts, which define the metrics, and the rates derived from them,
/// for readers that want the numbers without recomputing them:
///
///     {"evaluatedPixels": 1000, "estimatedPixels": 950, "density": 0.95, "d1": 0.042, …}
///
/// Decoding reads the counts only; the rates follow from them.
extension DisparityMetrics: Codable {
  enum CodingKeys: String, CodingKey {
    case evaluatedPixels, estimatedPixels, d1Outliers, d1OutliersEstimated
    case bad1Pixels, bad2Pixels, bad3Pixels, bad4Pixels, absoluteErrorSum
    case density, d1, d1Estimated, bad1, bad2, bad3, bad4, endPointError
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      evaluatedPixels: try container.decode(Int.self, forKey: .evaluatedPixels),
      estimatedPixels: try container.decode(Int.self, forKey: .estimatedPixels),
      d1Outliers: try container.decode(Int.self, forKey: .d1Outliers),
      d1OutliersEstimated: try container.decode(Int.self, forKey: .d1OutliersEstimated),
      bad1Pixels: try container.decode(Int.self, forKey: .bad1Pixels),
      bad2Pixels: try container.decode(Int.self, forKey: .bad2Pixels),
      bad3Pixels: try container.decode(Int.self, forKey: .bad3Pixels),
      bad4Pixels: try container.decode(Int.self, forKey: .bad4Pixels),
      absoluteErrorSum: try container.decode(Double.self, forKey: .absoluteErrorSum))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(evaluatedPixels, forKey: .evaluatedPixels)
    try container.encode(estimatedPixels, forKey: .estimatedPixels)
    try container.encode(d1Outliers, forKey: .d1Outliers)
    try container.encode(d1OutliersEstimated, forKey: .d1OutliersEstimated)
    try container.encode(bad1Pixels, forKey: .bad1Pixels)
    try container.encode(bad2Pixels, forKey: .bad2Pixels)
    try container.encode(bad3Pixels, forKey: .bad3Pixels)
    try container.encode(bad4Pixels, forKey: .bad4Pixels)
    try container.encode(absoluteErrorSum, forKey: .absoluteErrorSum)
    try container.encode(density, forKey: .density)
    try container.encode(d1, forKey: .d1)
    try container.encode(d1Estimated, forKey: .d1Estimated)
    try container.encode(bad1, forKey: .bad1)
    try container.encode(bad2, forKey: .bad2)
    try container.encode(bad3, forKey: .bad3)
    try container.encode(bad4, forKey: .bad4)
    try container.encode(endPointError, forKey: .endPointError)
  }
}
