import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

/// Our metrics against an independent NumPy implementation, on random maps with holes.
///
/// The script below was written from the KITTI devkit's description, not from the Swift code: it
/// fills runs found with `np.flatnonzero` between consecutive known columns, scores with
/// vectorised array comparisons, and orders pixels for the curve with `np.lexsort`.
@Suite("Disparity metrics match an independent NumPy implementation")
struct DisparityMetricsCrossCheckTests {
  /// Reads cases from a little-endian binary file and prints JSON results.
  ///
  /// File: int32 case count; per case int32 H, W, float32 minimum estimate, then float32 arrays
  /// of H·W values: ground truth, estimate, mask, confidence.
  static let script = #"""
    import json, struct, sys
    import numpy as np

    def fill(est, known):
        # KITTI devkit interpolateBackground, from its description.
        d = est.astype(np.float32).copy()
        k = known.copy()
        h, w = d.shape
        for y in range(h):
            cols = np.flatnonzero(k[y])
            if cols.size == 0:
                continue
            for a, b in zip(cols[:-1], cols[1:]):
                if b - a > 1:
                    d[y, a + 1:b] = min(d[y, a], d[y, b])
            d[y, :cols[0]] = d[y, cols[0]]
            d[y, cols[-1] + 1:] = d[y, cols[-1]]
            k[y, :] = True
        for x in range(w):
            rows = np.flatnonzero(k[:, x])
            if rows.size == 0:
                continue
            d[:rows[0], x] = d[rows[0], x]
            d[rows[-1] + 1:, x] = d[rows[-1], x]
            k[:rows[0], x] = True
            k[rows[-1] + 1:, x] = True
        d[~k] = -1.0
        return d

    def score(gt, est, estimated):
        err = np.abs(gt - est).astype(np.float32)
        ratio = (err / np.abs(gt)).astype(np.float32)
        # Float32 values against float64 thresholds, as C promotes them.
        d1 = (err.astype(np.float64) > 3.0) & (ratio.astype(np.float64) > 0.05)
        return {
            "evaluatedPixels": int(gt.size),
            "estimatedPixels": int(estimated.sum()),
            "d1Outliers": int(d1.sum()),
            "d1OutliersEstimated": int((d1 & estimated).sum()),
            "bad": [int((err > n).sum()) for n in (1, 2, 3, 4)],
            "absoluteErrorSum": float(err.astype(np.float64).sum()),
        }

    data = open(sys.argv[1], "rb").read()
    offset = 0
    def take(fmt):
        global offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values
    (count,) = take("<i")
    results = []
    for _ in range(count):
        h, w = take("<ii")
        (minimum,) = take("<f")
        arrays = []
        for _ in range(4):
            arrays.append(np.frombuffer(data, dtype="<f4", count=h * w, offset=offset).reshape(h, w))
            offset += 4 * h * w
        gt, est, mask, conf = arrays
        known = np.isfinite(est) & (est > np.float32(minimum))
        filled = fill(est, known)
        sel = np.isfinite(gt) & (mask >= np.float32(0.999))
        idx = np.flatnonzero(sel.ravel())
        g, e, kn = gt.ravel()[idx], filled.ravel()[idx], known.ravel()[idx]
        keys = conf.ravel()[idx].astype(np.float64)
        keys[~np.isfinite(keys)] = -np.inf
        order = np.lexsort((np.arange(idx.size), -keys))
        curve = []
        for rho in [i / 10 for i in range(1, 11)]:
            k = int(np.floor(rho * idx.size + 0.5))
            kept = order[:k]
            curve.append(score(g[kept], e[kept], kn[kept]))
        results.append({
            "filled": [float(v) for v in filled.ravel()],
            "metrics": score(g, e, kn),
            "curve": curve,
        })
    print(json.dumps(results))
    """#

  struct Counts: Decodable, Equatable {
    var evaluatedPixels: Int
    var estimatedPixels: Int
    var d1Outliers: Int
    var d1OutliersEstimated: Int
    var bad: [Int]
    var absoluteErrorSum: Double
  }

  struct Result: Decodable {
    var filled: [Float]
    var metrics: Counts
    var curve: [Counts]
  }

  struct Case {
    var groundTruth: Image
    var estimate: Image
    var mask: Image
    var confidence: Image
    var estimatesAbove: Float
  }

  /// A random case: ground truth in (0, 64) with 15 % unknown; estimates near it with outliers,
  /// holes (NaN, ±∞, negative, exactly the bound), runs of holes at the borders and some whole empty rows; a mask
  /// of white, black and grey; confidences with ties and NaNs.
  static func makeCase(width: Int, height: Int, seed: UInt64, estimatesAbove: Float) -> Case {
    var generator = SeededGenerator(seed: seed)
    func uniform() -> Float { Float.random(in: 0..<1, using: &generator) }
    let count = width * height
    var truth = [Float](repeating: 0, count: count)
    var estimate = [Float](repeating: 0, count: count)
    var mask = [Float](repeating: 1, count: count)
    var confidence = [Float](repeating: 0, count: count)
    let emptyRows = Set((0..<height).filter { _ in uniform() < 0.1 })
    for y in 0..<height {
      let leadingHole = uniform() < 0.3 ? Int(uniform() * 5) : 0
      let trailingHole = uniform() < 0.3 ? Int(uniform() * 5) : 0
      for x in 0..<width {
        let index = y * width + x
        truth[index] = uniform() < 0.15 ? .nan : 0.5 + 63 * uniform()
        let reference = truth[index].isFinite ? truth[index] : 30
        let noise = uniform() < 0.2 ? 20 * (uniform() - 0.5) : 3 * (uniform() - 0.5)
        estimate[index] = reference + noise
        let hole = uniform()
        if hole < 0.06 {
          estimate[index] = .nan
        } else if hole < 0.09 {
          estimate[index] = .infinity
        } else if hole < 0.11 {
          estimate[index] = -.infinity
        } else if hole < 0.15 {
          estimate[index] = -2 * uniform()
        } else if hole < 0.17 {
          // Exactly the bound (0 for KITTI): missing, as a KITTI PNG's 0 is.
          estimate[index] = estimatesAbove.isFinite ? estimatesAbove : 0
        }
        if x < leadingHole || x >= width - trailingHole || emptyRows.contains(y) {
          estimate[index] = .nan
        }
        let maskDraw = uniform()
        mask[index] = maskDraw < 0.15 ? 0 : (maskDraw < 0.25 ? 128.0 / 255 : 1)
        let confidenceDraw = uniform()
        confidence[index] = confidenceDraw < 0.05 ? .nan : (Float(Int(confidenceDraw * 20)) / 20)
      }
    }
    let image = { (values: [Float]) in
      Image(width: width, height: height, channels: 1, pixels: values)
    }
    return Case(
      groundTruth: image(truth), estimate: image(estimate), mask: image(mask),
      confidence: image(confidence), estimatesAbove: estimatesAbove)
  }

  static func encode(_ cases: [Case]) -> Data {
    var data = Data()
    func append<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
    append(Int32(cases.count).littleEndian)
    for item in cases {
      append(Int32(item.groundTruth.height).littleEndian)
      append(Int32(item.groundTruth.width).littleEndian)
      append(item.estimatesAbove.bitPattern.littleEndian)
      for image in [item.groundTruth, item.estimate, item.mask, item.confidence] {
        for value in image.pixels { append(value.bitPattern.littleEndian) }
      }
    }
    return data
  }

  static func counts(_ metrics: DisparityMetrics) -> Counts {
    Counts(
      evaluatedPixels: metrics.evaluatedPixels, estimatedPixels: metrics.estimatedPixels,
      d1Outliers: metrics.d1Outliers, d1OutliersEstimated: metrics.d1OutliersEstimated,
      bad: [metrics.bad1Pixels, metrics.bad2Pixels, metrics.bad3Pixels, metrics.bad4Pixels],
      absoluteErrorSum: metrics.absoluteErrorSum)
  }

  func expectClose(_ ours: Counts, _ theirs: Counts, _ context: String) {
    var ours = ours
    // Summation order differs (pixel order vs NumPy's pairwise sum): compare the sums apart.
    let difference = abs(ours.absoluteErrorSum - theirs.absoluteErrorSum)
    #expect(difference <= 1e-9 * max(1, abs(theirs.absoluteErrorSum)), "\(context): error sums")
    ours.absoluteErrorSum = theirs.absoluteErrorSum
    #expect(ours == theirs, "\(context)")
  }

  @Test(
    "Fill, D1, bad-N, EPE and the sparsification curve agree",
    .enabled(if: PythonSupport.hasNumPy, PythonSupport.skipNote))
  func crossCheck() throws {
    let cases = [
      Self.makeCase(width: 37, height: 23, seed: 1, estimatesAbove: 0),
      Self.makeCase(width: 64, height: 48, seed: 2, estimatesAbove: 0),
      Self.makeCase(width: 5, height: 40, seed: 3, estimatesAbove: 0),
      Self.makeCase(width: 50, height: 3, seed: 4, estimatesAbove: -.infinity),
      Self.makeCase(width: 31, height: 17, seed: 5, estimatesAbove: 10),
    ]
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("cases.bin")
    try Self.encode(cases).write(to: input)
    let output = try PythonSupport.runScript(Self.script, arguments: [input.path])
    let results = try JSONDecoder().decode([Result].self, from: output)
    try #require(results.count == cases.count)

    for (number, (item, result)) in zip(cases, results).enumerated() {
      let configuration = DisparityMetrics.Configuration(estimatesAbove: item.estimatesAbove)
      let filled = BackgroundInterpolation.filling(
        item.estimate, estimatesAbove: item.estimatesAbove)
      #expect(filled.pixels == result.filled, "case \(number): filled estimate")
      let metrics = DisparityMetrics(
        estimate: item.estimate, groundTruth: item.groundTruth, mask: item.mask,
        configuration: configuration)
      #expect(metrics.evaluatedPixels > 0 && metrics.d1Outliers > 0, "case \(number) is trivial")
      expectClose(Self.counts(metrics), result.metrics, "case \(number): metrics")
      let curve = SparsificationCurve(
        estimate: item.estimate, groundTruth: item.groundTruth, confidence: item.confidence,
        mask: item.mask, configuration: configuration)
      try #require(curve.points.count == result.curve.count)
      for (point, theirs) in zip(curve.points, result.curve) {
        expectClose(Self.counts(point.metrics), theirs, "case \(number): curve at \(point.density)")
      }
    }
  }
}
