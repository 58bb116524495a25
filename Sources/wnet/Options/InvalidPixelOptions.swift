import ArgumentParser
import StereoClassic
import StereoDepth

/// `--dense`, `--lr-threshold`, `--min-confidence`, `--speckle-size`, `--speckle-difference`,
/// `--median` (and `--weighted-median`, the same as `--median full`), `--fill-holes`,
/// `--lr-right-drop`, `--border-padding`: which network pixels are marked unknown, how the kept
/// ones are filtered and whether the unknown ones are filled (``InvalidPixelRule``), shared by
/// `infer` and `eval`.
struct InvalidPixelOptions: ParsableArguments {
  @Flag(
    help: """
      Keep every pixel's disparity. By default the network's pixels that fail the left-right \
      check (|d_L(x) - d_R(x - d_L(x))| > --lr-threshold) or have a peak probability below \
      --min-confidence are unknown, and so are the kept pixels' speckles (--speckle-size): \
      PFM inf, KITTI PNG 0, black, no depth, no point (eval fills them as the KITTI devkit \
      does and reports the density). The check scores both views, which costs time; --dense \
      runs the left view only.
      """)
  var dense = false

  @Option(
    help: """
      The largest left-right disagreement kept, in the network's pixels (the input's for the \
      matching preset). Default: 1.25 for the matching preset (session 58), 1 for the others.
      """)
  var lrThreshold: Float?

  @Option(help: "The smallest peak probability kept (0: no confidence threshold).")
  var minConfidence: Float = 0

  @Option(
    help: """
      The largest speckle removed after the left-right check, in pixels: a connected region \
      whose neighbouring disparities differ by at most --speckle-difference (0: keep them).
      """)
  var speckleSize = SpeckleFilter.standard.maximumSize

  @Option(help: "The largest disparity step within a speckle, in pixels.")
  var speckleDifference = SpeckleFilter.standard.maximumDifference

  @Option(
    help: """
      The weighted median applied last to the kept pixels: each that lies more than 1 px from \
      the median of the kept disparities around it (19x19, weighted by colour similarity in the \
      left view) takes that median, which sharpens depth edges and thin structures. edges \
      (the default): only pixels near a depth edge, votes from every second row and column; \
      full: every pixel and vote (about 12 times the time); off. Not with --dense.
      """)
  var median: MedianChoice = .edges

  @Flag(help: .hidden)
  var weightedMedian = false

  @Flag(
    inversion: .prefixedNo,
    help: """
      Fill the unknown pixels last where the kept pixels around them propose a disparity (the \
      colour-weighted median of a 17x17 window's kept disparities, votes from every fourth row \
      and column) that passes the left-right check the pixel failed. On by default: denser and \
      more accurate, about 2 ms at 640x480 (docs/RUNS.md). Not with --dense.
      """)
  var fillHoles: Bool?

  @Option(
    help: """
      The hole fill's colour weight: votes weigh exp(-|I(p) - I(q)|^2 / (2 sigma^2)), colours in \
      [0, 1] (default: 0.2, chosen on the label-free judges in session 49; 0.1 before). Not with \
      --dense or --no-fill-holes.
      """)
  var fillSigma: Float?

  /// The option that asks for the hole fill explicitly, if any: `--fill-sigma` or `--fill-holes`.
  var fillOption: String? {
    fillSigma != nil ? "--fill-sigma" : fillHoles == true ? "--fill-holes" : nil
  }

  @Option(
    help: """
      End the right view's estimate for the left-right check this many scales before the \
      left view's (up-sampled; 0: the same scale). Default: 1, with or without --adapt, which \
      skips the right view's finest refinement and hands its 1/2 estimate on \
      (--lr-right-hand-on): with the propagated hand-on the most accurate on the label-free \
      judges (0 and 2 score worse) and cheaper than 0 (docs/RUNS.md, "The right view ending \
      two scales early, handed on by propagation").
      """)
  var lrRightDrop: Int?

  @Option(
    help: """
      How the right view's estimate for the left-right check reaches the next finer scale \
      when it ends early (--lr-right-drop 1 or more): propagated (the default since session \
      58) hands it on as the network's first hand-ons do, each pixel taking the neighbour's \
      estimate whose features match best where the neighbours disagree, instead of running \
      the right view's finest refinement (more accurate on the label-free judges, about 3% \
      more time; docs/RUNS.md, "The right view's full-resolution hand-on propagated for the \
      check"); bilinear up-samples it, the default before.
      """)
  var lrRightHandOn: InvalidPixelRule.RightViewHandOn?

  @Option(
    help: """
      Widen both views by this many edge-replicated columns at their left side before the \
      network (the maps are cropped back before the left-right check), so that every stage sees \
      the left border columns as interior ones, not beside its zero padding (default: 16 for \
      the matching preset, about 3% more time; 0 for the others; docs/RUNS.md). Not with \
      --dense.
      """)
  var borderPadding: Int?

  @Option(
    help: """
      Add this many edge-replicated rows at the top and at the bottom of both views before the \
      network (the maps are cropped back before the left-right check), so that every stage sees \
      the border rows as interior ones (default: 0; docs/RUNS.md, "Rows padded at the top and \
      bottom"). Not with --dense.
      """)
  var rowPadding: Int?

  /// The first option of the marked map's rule given a value other than its default (the
  /// check's threshold and right view, the confidence threshold, the speckle filter, the
  /// median), or `nil`: options that only the marked map reads, for the commands' checks.
  var ruleOption: String? {
    if lrThreshold != nil { return "--lr-threshold" }
    if minConfidence != 0 { return "--min-confidence" }
    if speckleSize != SpeckleFilter.standard.maximumSize { return "--speckle-size" }
    if speckleDifference != SpeckleFilter.standard.maximumDifference {
      return "--speckle-difference"
    }
    if median != .edges || weightedMedian { return "--median" }
    if lrRightDrop != nil { return "--lr-right-drop" }
    if lrRightHandOn != nil { return "--lr-right-hand-on" }
    return nil
  }

  /// The padding option given (`--border-padding` or `--row-padding`), for the commands' checks.
  var paddingOption: String? {
    borderPadding != nil ? "--border-padding" : rowPadding != nil ? "--row-padding" : nil
  }

  func validate() throws {
    guard (lrThreshold ?? 1) > 0 && (lrThreshold ?? 1).isFinite else {
      throw ValidationError("'--lr-threshold' must be positive and finite.")
    }
    guard (0...1).contains(minConfidence) else {
      throw ValidationError("'--min-confidence' must lie in [0, 1].")
    }
    guard (0...100_000_000).contains(speckleSize) else {
      throw ValidationError("'--speckle-size' must lie in 0...100000000.")
    }
    guard speckleDifference >= 0 && speckleDifference.isFinite else {
      throw ValidationError("'--speckle-difference' must be finite and not negative.")
    }
    guard (lrRightDrop ?? 0) >= 0 else {
      throw ValidationError("'--lr-right-drop' must not be negative.")
    }
    guard (0...4096).contains(borderPadding ?? 0) else {
      throw ValidationError("'--border-padding' must lie in 0...4096.")
    }
    guard (0...4096).contains(rowPadding ?? 0) else {
      throw ValidationError("'--row-padding' must lie in 0...4096.")
    }
    if let paddingOption, dense {
      throw ValidationError("'\(paddingOption)' widens the marked map's views: not with '--dense'.")
    }
    if let fillSigma {
      guard fillSigma > 0 && fillSigma.isFinite else {
        throw ValidationError("'--fill-sigma' must be positive and finite.")
      }
      guard fillHoles != false else {
        throw ValidationError("'--fill-sigma' sets the hole fill: not with '--no-fill-holes'.")
      }
    }
    if let fillOption, dense {
      throw ValidationError("'\(fillOption)' fills the marked map's holes: not with '--dense'.")
    }
    guard !(dense && (weightedMedian || median == .full)) else {
      throw ValidationError(
        "'\(weightedMedian ? "--weighted-median" : "--median full")' filters the kept pixels: "
          + "not with '--dense'.")
    }
    if let ruleOption, dense {
      throw ValidationError(
        "'\(ruleOption)' sets which pixels the marked map keeps: not with '--dense'.")
    }
  }

  /// The rule, or `nil` with `--dense`.
  var rule: InvalidPixelRule? {
    dense
      ? nil
      : InvalidPixelRule(
        maximumLeftRightDifference: lrThreshold, minimumPeakProbability: minConfidence,
        speckles: SpeckleFilter(maximumSize: speckleSize, maximumDifference: speckleDifference),
        median: (weightedMedian ? .full : median).filter, rightViewScalesDropped: lrRightDrop,
        rightViewHandOn: lrRightHandOn,
        holes: fillHoles ?? true ? fillSigma.map { HoleFill(sigmaColour: $0) } ?? .standard : nil,
        borderPadding: borderPadding, rowPadding: rowPadding)
  }
}

/// `--lr-right-hand-on`.
extension InvalidPixelRule.RightViewHandOn: ExpressibleByArgument {}

/// `--median`: which ``WeightedMedianFilter`` the marked map ends with.
enum MedianChoice: String, ExpressibleByArgument, CaseIterable {
  case edges, full, off

  /// ``WeightedMedianFilter/edges``, ``WeightedMedianFilter/standard`` or none.
  var filter: WeightedMedianFilter? {
    switch self {
    case .edges: .edges
    case .full: .standard
    case .off: nil
    }
  }
}
