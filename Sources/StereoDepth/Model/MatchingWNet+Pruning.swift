import Foundation
import StereoNN
import StereoTensor

/// A wider `matching` network's 1/2 scale pruned into a `slimHalfScale` one, without data
/// (docs/RUNS.md, "A slimmer 1/2 scale, pruned from the bundled weights"; the prototype is
/// `benchmarks/prune_half.py`).
///
/// Two units are pruned to ``MatchingWNet/slimHalfWidth`` channels: the 1/2 features
/// (`features.0.0`, read by `features.1.0` and by the first 16 inputs of `refine.1.0`) and the
/// 1/2 refinement unit (`refine.1.0`, read by `refine.1.head`). A channel's activation is taken as
/// `relu(y)` with `y ~ N(shift, scale²)` (its batch norm's running statistics normalise the
/// pre-activation), and its importance is
///
///     E[relu(y)²] · Σ_readers Σ_{o, kh, kw} W[o, kh, kw, c]²     (filters [out, kh, kw, in])
///
/// The most important channels are kept, in their order. Each dropped channel's mean
/// `E[relu(y)]` is folded into what reads it, as the constant it would have added away from the
/// borders: `Σ_{kh, kw} W[o, kh, kw, c] · E[relu(y_c)]` is taken off the next batch norm's running
/// mean, or added to the head's bias. The 1/2 correlation is a mean over the features' channels,
/// so the refinement unit's weights on it are scaled by `8/16`: the correlation of the kept
/// channels then has the wide model's scale where the dropped ones contributed nothing.
extension MatchingWNet {
  /// The mean and the mean square of a rectified normal variable.
  ///
  /// `E[relu(y)]` and `E[relu(y)²]` for `y ~ N(shift, scale²)`, with `z = shift / |scale|`:
  ///
  ///     E[relu(y)]  = shift · Φ(z) + |scale| · φ(z)
  ///     E[relu(y)²] = (shift² + scale²) · Φ(z) + shift · |scale| · φ(z)
  ///
  /// A zero scale gives `max(shift, 0)` and its square.
  public static func rectifiedMoments(scale: Float, shift: Float) -> (
    mean: Double, square: Double
  ) {
    let (s, m) = (abs(Double(scale)), Double(shift))
    guard s > 1e-12 else { return (max(m, 0), max(m, 0) * max(m, 0)) }
    let z = m / s
    let density = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    let cumulative = 0.5 * (1 + erf(z / 2.0.squareRoot()))
    return (m * cumulative + s * density, (m * m + s * s) * cumulative + m * s * density)
  }

  /// The slim 1/2 scale's parameter values pruned from a wider network's.
  ///
  /// `source` holds the parameters of a `matching` network without `slimHalfScale` (names as
  /// ``parameters``); the result holds `features.0.0.*`,
  /// `features.1.0.conv.filter` and `.bn.running_mean`, `refine.1.0.*`, `refine.1.head.*`.
  /// Every other parameter keeps its shape and value.
  ///
  /// - Precondition: `source` has those parameters, 16 channels wide at 1/2.
  public static func prunedHalfScale(from source: Parameters) -> [String: Tensor] {
    prunedScale(
      features: "features.0.0", featureReaders: [("features.1.0", batchNorm: true)],
      unit: "refine.1.0", head: "refine.1.head", keeping: slimHalfWidth, source: source)
  }

  /// The slim full-resolution scale's parameter values pruned from a wider network's.
  ///
  /// As ``prunedHalfScale(from:)`` one scale finer: the full-resolution features
  /// (`features.full`, read by the first 8 inputs of `refine.2.0`) and the full-resolution
  /// refinement unit (`refine.2.0`, read by `refine.2.head`) keep ``slimFullWidth`` channels
  /// each, and the unit's weights on the full-resolution correlation, a mean over the features'
  /// channels, are scaled by `4/8`. `source` holds the parameters of a `matching` network
  /// without `slimFullScale` (names as ``parameters``; the full-resolution level is `refine.2`
  /// with or without `quarterCoarse`); the result holds `features.full.*`, `refine.2.0.*` and
  /// `refine.2.head.*`.
  ///
  /// - Precondition: `source` has those parameters, 8 channels wide at full resolution.
  public static func prunedFullScale(from source: Parameters) -> [String: Tensor] {
    prunedScale(
      features: "features.full", featureReaders: [], unit: "refine.2.0", head: "refine.2.head",
      keeping: slimFullWidth, source: source)
  }

  /// One scale's features and refinement unit pruned to `width` channels each.
  ///
  /// First `features` (read by `featureReaders` and by the first inputs of `unit`), then `unit`
  /// (read by `head`, a convolution with bias). The unit's weights on the scale's correlation,
  /// a mean over the features' channels that follows them in its input, are scaled by `width / C`
  /// (`C` the source's feature width), so that the kept channels' correlation keeps the wide
  /// model's scale.
  static func prunedScale(
    features: String, featureReaders: [(name: String, batchNorm: Bool)], unit: String,
    head: String, keeping width: Int, source: Parameters
  ) -> [String: Tensor] {
    var values: [String: Tensor] = [:]
    prune(
      unit: features, keeping: width, readers: featureReaders + [(unit, batchNorm: true)],
      source: source, into: &values)
    let name = "\(unit).conv.filter"
    let filter = values[name]!
    let inputs = filter.shape[3]
    let ratio = Float(width) / Float(source["\(features).bn.scale"]!.value.count)
    values[name] = Tensor(
      shape: filter.shape,
      scalars: filter.scalars.enumerated().map { $0 % inputs >= width ? $1 * ratio : $1 })
    prune(
      unit: unit, keeping: width, readers: [(head, batchNorm: false)], source: source,
      into: &values)
    return values
  }

  /// The `slimCoarseScales` units' parameter values pruned from a wider network's.
  ///
  /// `source` holds the parameters of a `matching` network without `slimCoarseScales`,
  /// `coarseContext` or `quarterCoarse` (names as ``parameters``). The coarse units `coarse.0` and
  /// `coarse.1` keep ``slimCoarseWidth`` channels each (read by `coarse.1` and `coarse.head`),
  /// and the 1/4 refinement units `refine.0.0` and `refine.0.1` keep
  /// ``slimQuarterRefinementWidth`` (read by `refine.0.1` and `refine.0.head`), by the importance
  /// and with the folding of ``prunedHalfScale(from:)``. The result holds those units' and
  /// readers' parameters; every other parameter keeps its shape and value.
  ///
  /// - Precondition: `source` has those parameters, 48 and 24 channels wide.
  public static func prunedCoarseScales(from source: Parameters) -> [String: Tensor] {
    var values: [String: Tensor] = [:]
    for (units, width) in [
      (["coarse.0", "coarse.1", "coarse.head"], slimCoarseWidth),
      (["refine.0.0", "refine.0.1", "refine.0.head"], slimQuarterRefinementWidth),
    ] {
      // Each unit is read by the next; the head is a convolution with bias.
      for index in 0..<2 {
        prune(
          unit: units[index], keeping: width,
          readers: [(units[index + 1], batchNorm: index == 0)], source: source, into: &values)
      }
    }
    return values
  }

  /// Prunes one unit and the units that read it.
  ///
  /// `unit` (a ``ConvBatchNormReLU``'s parameters) keeps its `width` most important output
  /// channels; each reader (a ``ConvBatchNormReLU`` when `batchNorm`, else a ``Conv2D`` with
  /// bias) keeps the same ones among its first inputs, the dropped channels' means folded in.
  /// Reads `values` where it holds a name (an earlier pruning's result), else `source`.
  static func prune(
    unit: String, keeping width: Int, readers: [(name: String, batchNorm: Bool)],
    source: Parameters, into values: inout [String: Tensor]
  ) {
    let current = values
    func value(_ name: String) -> Tensor {
      if let value = current[name] { return value }
      guard let parameter = source[name] else {
        preconditionFailure("MatchingWNet.prune: no parameter '\(name)'")
      }
      return parameter.value
    }
    let scale = value("\(unit).bn.scale").scalars
    let shift = value("\(unit).bn.shift").scalars
    let channels = scale.count
    precondition(width <= channels, "MatchingWNet.prune: \(unit) has \(channels) channels")
    let moments = (0..<channels).map { rectifiedMoments(scale: scale[$0], shift: shift[$0]) }
    let filterName: (String, Bool) -> String = { $1 ? "\($0).conv.filter" : "\($0).filter" }
    var weight = [Double](repeating: 0, count: channels)
    for (reader, batchNorm) in readers {
      let filter = value(filterName(reader, batchNorm))
      let (inputs, weights) = (filter.shape[3], filter.scalars)
      for (index, w) in weights.enumerated() where index % inputs < channels {
        weight[index % inputs] += Double(w) * Double(w)
      }
    }
    let ranked = (0..<channels).sorted {
      let (a, b) = (moments[$0].square * weight[$0], moments[$1].square * weight[$1])
      return a != b ? a > b : $0 < $1
    }
    let kept = ranked.prefix(width).sorted()
    let dropped = Set(0..<channels).subtracting(kept)
    // Fold the dropped channels' means into each reader, then keep its other inputs.
    for (reader, batchNorm) in readers {
      let name = filterName(reader, batchNorm)
      let filter = value(name)
      let (outputs, inputs, weights) = (filter.shape[0], filter.shape[3], filter.scalars)
      let row = weights.count / outputs
      var constant = [Float](repeating: 0, count: outputs)
      for (index, w) in weights.enumerated() where dropped.contains(index % inputs) {
        constant[index / row] += w * Float(moments[index % inputs].mean)
      }
      let target = batchNorm ? "\(reader).bn.running_mean" : "\(reader).bias"
      let sign: Float = batchNorm ? -1 : 1
      values[target] = Tensor(
        shape: [outputs], scalars: zip(value(target).scalars, constant).map { $0 + sign * $1 })
      let columns = kept + Array(channels..<inputs)
      values[name] = Tensor(
        shape: [outputs, filter.shape[1], filter.shape[2], columns.count],
        scalars: stride(from: 0, to: weights.count, by: inputs).flatMap { start in
          columns.map { weights[start + $0] }
        })
    }
    // Keep the unit's own channels.
    for name in ["bn.scale", "bn.shift", "bn.running_mean", "bn.running_variance"] {
      let all = value("\(unit).\(name)").scalars
      values["\(unit).\(name)"] = Tensor(shape: [width], scalars: kept.map { all[$0] })
    }
    let filter = value("\(unit).conv.filter")
    let row = filter.count / channels
    let all = filter.scalars
    values["\(unit).conv.filter"] = Tensor(
      shape: [width] + filter.shape.dropFirst(),
      scalars: kept.flatMap { all[($0 * row)..<(($0 + 1) * row)] })
  }
}
