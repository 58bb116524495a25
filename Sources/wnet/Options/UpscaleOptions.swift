import ArgumentParser
import Foundation
import StereoDepth

/// `--upscale` (a coarse-to-fine model on an enlarged pair) and `--finest-scale`, shared by
/// `infer` and `eval`.
struct UpscaleOptions: ParsableArguments {
  @Option(
    help: """
      Run the matching model on the pair enlarged by this factor (1 to 4), 'small' or 'auto'. \
      small (the default): a pair with fewer pixels than 640x480 runs enlarged towards that \
      count, at most by 1.5 (mean bad-3 on the evaluation sets 6.19% against 6.73% at the \
      pairs' own size; no pair costs more than a 640x480 one). 1: the pair's own size. auto: at \
      1, 1.5 and 2, keeping the one whose disparity rebuilds the left view from the right best \
      (about 5 times the time; finer detail, better on small disparities).
      """)
  var upscale: String?

  @Option(
    help: """
      The matching model's last scale: full (the default) or half, which leaves out the finest \
      scale and up-samples the 1/2 scale's disparity and left-right check (about 0.8 times the \
      marked map's time at 640x480; docs/RUNS.md, "The full-resolution scale dropped at \
      inference").
      """)
  var finestScale: FinestScaleChoice?

  func validate() throws {
    if let upscale { _ = try Self.rule(parsing: upscale) }
  }

  /// The rule `text` names, or the one-line error `--upscale` gives for anything else (also
  /// `wnet bench --upscale`'s).
  static func rule(parsing text: String) throws -> InferenceUpscale {
    guard let rule = InferenceUpscale(text) else {
      throw ValidationError(
        "'--upscale' takes 'small', 'auto' or a factor from 1 to \(Int(InferenceUpscale.largestFactor)), got '\(text)'."
      )
    }
    return rule
  }

  /// Refuses `auto` together with test-time adaptation (`adapt` steps), which runs at one size.
  func validate(adapt: Int) throws {
    if searches && adapt > 0 {
      throw ValidationError("'--upscale auto' and '--adapt' cannot be combined.")
    }
  }

  /// The rule, ``InferenceUpscale/standard`` without the options.
  var rule: InferenceUpscale {
    var rule = upscale.flatMap(InferenceUpscale.init) ?? .standard
    rule.endsAtHalfScale = finestScale == .half
    return rule
  }

  /// One line naming the factors tried, their reconstruction errors and the one kept, e.g.
  /// `Upscale: ×1 0.0221, ×1.5 0.0210, ×2 0.0207; kept ×2.`
  static func summary(_ prediction: DisparityPrediction) -> String {
    let tried = prediction.upscaleTrials.map { trial in
      "×\(trial.factor.formatted) "
        + (trial.reconstructionError.map { String(format: "%.4f", $0) } ?? "none")
    }
    let kept = prediction.upscaleTrials.min {
      ($0.reconstructionError ?? .infinity) < ($1.reconstructionError ?? .infinity)
    }
    return "Upscale: \(tried.joined(separator: ", ")); kept ×\(kept?.factor.formatted ?? "1")."
  }

  /// Whether the option asks for a fixed enlargement or `auto` (which other options may exclude;
  /// `small`, the default, gives way to them by itself).
  var isSet: Bool { asksEnlargement || rule.endsAtHalfScale }

  /// Whether `--upscale` asks for a fixed enlargement or `auto`.
  private var asksEnlargement: Bool { rule.enlarges && rule.targetPixels == nil }

  /// Whether the option asks for a search over several factors (`auto`), which runs the network
  /// once per factor and so excludes test-time adaptation.
  var searches: Bool { rule.factors.count > 1 }

  /// The words `wnet eval` adds to its method for the rule that ran with `configuration`.
  func methodSuffix(configuration: WNetConfiguration) -> String {
    let effective = rule.applicable(to: configuration)
    let half = rule.endsAtHalfScale ? ", finest scale half" : ""
    if effective.targetPixels != nil { return ", small pairs enlarged (upscale small)" + half }
    return (asksEnlargement ? ", upscale \(upscale ?? "")" : "") + half
  }
}

/// `--finest-scale`: where the matching model's scales end (``InferenceUpscale/endsAtHalfScale``).
enum FinestScaleChoice: String, ExpressibleByArgument, CaseIterable {
  case full, half
}

extension Float {
  /// `2`, `1.5`: the shortest decimal form.
  fileprivate var formatted: String {
    self == rounded() ? String(Int(self)) : String(format: "%g", Double(self))
  }
}
