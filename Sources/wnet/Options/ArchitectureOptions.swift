import ArgumentParser
import StereoDepth

/// `--coarse-context`, `--cosine-correlation`, `--deep-features`, `--local-coarse-estimate`,
/// `--local-refinement-estimates`, `--correlation-skip`, `--wide-refinement`, `--quarter-coarse`,
/// `--slim-half-scale`, `--slim-coarse-scales`, `--slim-full-scale` (each with `--no-`),
/// `--quarter-passes N`:
/// the `matching` architecture settings (``WNetConfiguration/matchingOnlySettings``), shared by
/// `train` and `bench model`. An option
/// left out is `nil`: the bundled model's architecture for a new model, the stored one on resume.
struct ArchitectureOptions: ParsableArguments {
  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: give the coarse aggregation a context branch at 1/16 resolution (a receptive "
        + "field of about 250 px instead of 56; sizes become multiples of 16) (default: the "
        + "bundled model's architecture)."))
  var coarseContext: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: correlate features scaled to unit root mean square (cosine similarity), "
        + "so that the cost volume does not shrink with the views' contrast (default: on for "
        + "matching, as the bundled model)."))
  var cosineCorrelation: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: three more feature units at 1/8 resolution (a receptive field of about 87 px "
        + "instead of 39 for the coarse matching) (default: the bundled model's architecture)."))
  var deepFeatures: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: start the 1/4 scale from the expectation over the most likely coarse "
        + "candidate and its two neighbours, not over all of them (default: the bundled "
        + "model's architecture)."))
  var localCoarseEstimate: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: hand on from the 1/4 and 1/2 scales the expectation over their most likely "
        + "offset and its two neighbours, not over all five (default: the bundled model's "
        + "architecture)."))
  var localRefinementEstimates: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: add the correlation volume itself, times a learned scale, to the coarse "
        + "scores (default: the bundled model's architecture)."))
  var correlationSkip: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: search the offsets -4...4 at 1/4 resolution (±16 px around the coarse "
        + "estimate) instead of -2...2 (default: the bundled model's architecture)."))
  var wideRefinement: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: match the whole range at 1/4 resolution instead of 1/8, then refine at 1/2 "
        + "and 1/1 (default: the bundled model's architecture)."))
  var quarterCoarse: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: make the 1/2 scale 8 channels wide instead of 16 (its features and its "
        + "refinement unit), for speed; with --init-from and --transplant, a wider model's 1/2 "
        + "scale is pruned into it (default: the bundled model's architecture)."))
  var slimHalfScale: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: make the coarse aggregation 24 channels wide instead of 48 and the 1/4 "
        + "refinement units 12 instead of 24, for speed on CPUs without AVX-512; with "
        + "--init-from and --transplant, a wider model's units are pruned into it (default: the "
        + "bundled model's architecture)."))
  var slimCoarseScales: Bool?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "matching: make the full-resolution scale 4 channels wide instead of 8 (its features and "
        + "its refinement unit), for speed; with --init-from and --transplant, a wider model's "
        + "full-resolution scale is pruned into it (default: the bundled model's architecture)."))
  var slimFullScale: Bool?

  @Option(
    help: ArgumentHelp(
      "matching: refine at 1/4 resolution this many times, each pass around the last's "
        + "estimate with the same weights (default: the bundled model's architecture, 1).",
      valueName: "n"))
  var quarterPasses: Int?

  @Option(
    help: ArgumentHelp(
      "matching: at this many hand-ons between scales, coarsest first, start the finer scale "
        + "from the neighbours' best-matching estimate where they disagree (default: 0, the "
        + "bilinear hand-ons the bundled model was trained with).", valueName: "n"))
  var propagation: Int?

  /// A new model of `preset`: the options given, the bundled model's architecture for the
  /// others (``WNetConfiguration/trainingDefault(for:minimumDisparity:maximumDisparity:)``).
  func model(
    for preset: WNetPreset, minimumDisparity: Int? = nil, maximumDisparity: Int? = nil
  ) -> WNetConfiguration {
    applied(
      to: WNetConfiguration.trainingDefault(
        for: preset, minimumDisparity: minimumDisparity, maximumDisparity: maximumDisparity))
  }

  /// `model` with the options given in place of its settings (a resumed run's model when none
  /// differs).
  func applied(to model: WNetConfiguration) -> WNetConfiguration {
    var model = model
    model.coarseContext = coarseContext ?? model.coarseContext
    model.cosineCorrelation = cosineCorrelation ?? model.cosineCorrelation
    model.deepFeatures = deepFeatures ?? model.deepFeatures
    model.localCoarseEstimate = localCoarseEstimate ?? model.localCoarseEstimate
    model.localRefinementEstimates = localRefinementEstimates ?? model.localRefinementEstimates
    model.correlationSkip = correlationSkip ?? model.correlationSkip
    model.wideRefinement = wideRefinement ?? model.wideRefinement
    model.quarterCoarse = quarterCoarse ?? model.quarterCoarse
    model.slimHalfScale = slimHalfScale ?? model.slimHalfScale
    model.slimCoarseScales = slimCoarseScales ?? model.slimCoarseScales
    model.slimFullScale = slimFullScale ?? model.slimFullScale
    model.quarterPasses = quarterPasses ?? model.quarterPasses
    model.propagation = propagation ?? model.propagation
    return model
  }

  /// Throws when an option turns on a setting that `preset` lacks, naming the option (the rule
  /// is ``WNetConfiguration/problems``).
  func check(for preset: WNetPreset) throws {
    if preset != .matching, let setting = model(for: preset).matchingOnlySettings.first {
      throw ValidationError("'\(Self.option(setting))' needs the matching preset.")
    }
    if let quarterPasses, let problem = model(for: preset).problems.first {
      throw ValidationError("'--quarter-passes \(quarterPasses)': \(problem).")
    }
    if let propagation, let problem = model(for: preset).problems.first {
      throw ValidationError("'--propagation \(propagation)': \(problem).")
    }
  }

  /// The command-line spelling of a stored setting: `coarseContext` → `--coarse-context`.
  static func option(_ setting: String) -> String {
    "--" + setting.map { $0.isUppercase ? "-" + $0.lowercased() : String($0) }.joined()
  }
}
