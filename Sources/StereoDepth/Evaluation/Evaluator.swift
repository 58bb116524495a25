import Foundation
import StereoData
import StereoTensor

/// One pair's scores.
public struct PairEvaluation: Codable, Sendable {
  public var identifier: String
  /// Over every ground-truth pixel (Middlebury 2001-2003: its "all" region).
  public var all: DisparityMetrics
  /// Over non-occluded ground-truth pixels, where the dataset has a mask.
  public var nonOccluded: DisparityMetrics?
  /// Seconds to produce the estimate (inference, with adaptation if any; 0 for loaded predictions).
  public var seconds: Double
  /// Error against density when pixels are kept by confidence, if confidence was available.
  public var sparsification: SparsificationCurve?
}

/// The scores of a whole dataset.
public struct DatasetEvaluation: Codable, Sendable {
  public var method: String
  public var pairs: [PairEvaluation]
  /// Summed over pairs (counts added, as the KITTI devkit does).
  public var all: DisparityMetrics
  public var nonOccluded: DisparityMetrics?
  public var meanSeconds: Double
  /// Density-ordered errors summed over pairs, if confidence was available.
  public var sparsification: SparsificationCurve?

  public init(method: String, pairs: [PairEvaluation]) {
    self.method = method
    self.pairs = pairs
    all = DisparityMetrics.aggregate(pairs.map(\.all))
    let masked = pairs.compactMap(\.nonOccluded)
    nonOccluded = masked.isEmpty ? nil : DisparityMetrics.aggregate(masked)
    meanSeconds = pairs.isEmpty ? 0 : pairs.map(\.seconds).reduce(0, +) / Double(pairs.count)
    let curves = pairs.compactMap(\.sparsification)
    if let first = curves.first, curves.count == pairs.count {
      sparsification = SparsificationCurve(
        points: first.points.indices.map { index in
          SparsificationCurve.Point(
            density: first.points[index].density,
            metrics: DisparityMetrics.aggregate(curves.map { $0.points[index].metrics }))
        })
    }
  }

  /// A table: one row per pair and region, then the totals.
  public func formattedTable() -> String {
    var rows: [DisparityMetricsReport.Row] = []
    for pair in pairs {
      rows.append(.init(name: "\(pair.identifier) all", metrics: pair.all))
      if let noc = pair.nonOccluded {
        rows.append(.init(name: "\(pair.identifier) noc", metrics: noc))
      }
    }
    rows.append(.init(name: "TOTAL all", metrics: all))
    if let nonOccluded { rows.append(.init(name: "TOTAL noc", metrics: nonOccluded)) }
    return DisparityMetricsReport(rows: rows).formattedTable()
  }
}

/// Scores disparity estimates against a dataset's ground truth.
public enum Evaluator {
  /// The file holding the prediction for `identifier` in a predictions folder: `ID.pfm`,
  /// `ID/disparity.pfm`, `ID.png` or `ID/disparity.png` (KITTI 16-bit), with `/` in identifiers
  /// also tried as `_`.
  public static func predictionFile(for identifier: String, in folder: URL) -> URL? {
    let names = [identifier, identifier.replacingOccurrences(of: "/", with: "_")]
    for name in names {
      for candidate in [
        "\(name).pfm", "\(name)/disparity.pfm", "\(name).png", "\(name)/disparity.png",
      ] {
        let url = folder.appendingPathComponent(candidate)
        if FileManager.default.fileExists(atPath: url.path) { return url }
      }
    }
    return nil
  }

  /// Reads a prediction file (PFM, or a KITTI 16-bit PNG).
  public static func readPrediction(_ url: URL) throws -> Image {
    try ImageIO.readDisparity(
      url, encoding: url.pathExtension.lowercased() == "pfm" ? .pfm : .kitti)
  }

  /// Scores one estimate; `confidence` (optional, `[H, W, 1]`) adds a sparsification curve.
  ///
  /// - Throws: ``InferenceError`` when the sample has no ground truth, the sizes differ, or no
  ///   ground-truth pixel is valid (in all or in the non-occluded region).
  public static func evaluate(
    identifier: String, estimate: Image, sample: StereoSample, seconds: Double,
    confidence: Image? = nil,
    configuration: DisparityMetrics.Configuration = .init()
  ) throws -> PairEvaluation {
    guard let truth = sample.disparity else {
      throw InferenceError("\(identifier) has no ground truth to evaluate against")
    }
    guard estimate.width == truth.width, estimate.height == truth.height else {
      throw InferenceError(
        "the prediction for \(identifier) is \(estimate.width)x\(estimate.height) but its ground truth is \(truth.width)x\(truth.height)"
      )
    }
    let all = DisparityMetrics(
      estimate: estimate, groundTruth: truth, mask: sample.evaluationMask,
      configuration: configuration)
    let nonOccluded = sample.nonOccludedMask.map {
      DisparityMetrics(
        estimate: estimate, groundTruth: truth, mask: $0, configuration: configuration)
    }
    // A score over zero pixels would read as perfect (0% bad, EPE 0).
    for (region, metrics) in [("", Optional(all)), (" non-occluded", nonOccluded)]
    where metrics?.evaluatedPixels == 0 {
      throw InferenceError(
        "\(identifier) has no valid\(region) ground-truth pixels (all unknown or masked out); "
          + "there is nothing to score")
    }
    let curve = confidence.map {
      SparsificationCurve(
        estimate: estimate, groundTruth: truth, confidence: $0,
        mask: sample.nonOccludedMask ?? sample.evaluationMask,
        densities: SparsificationCurve.defaultDensities, configuration: configuration)
    }
    return PairEvaluation(
      identifier: identifier, all: all, nonOccluded: nonOccluded, seconds: seconds,
      sparsification: curve)
  }
}
