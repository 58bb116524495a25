import ArgumentParser
import Foundation
import StereoDepth

/// `--upscale`: a coarse-to-fine model on an enlarged pair, shared by `infer` and `eval`.
struct UpscaleOptions: ParsableArguments {
  @Option(
    help: """
      Run the matching model on the pair enlarged by this factor (1 to 4), or 'auto': at 1, 1.5 \
      and 2, keeping the one whose disparity rebuilds the left view from the right best (about \
      5 times the time; finer detail, better on small disparities). Default: the pair's own size.
      """)
  var upscale: String?

  func validate() throws {
    if let upscale, InferenceUpscale(upscale) == nil {
      throw ValidationError(
        "'--upscale' takes 'auto' or a factor from 1 to \(Int(InferenceUpscale.largestFactor)), got '\(upscale)'."
      )
    }
  }

  /// The rule, ``InferenceUpscale/none`` without the option.
  var rule: InferenceUpscale { upscale.flatMap(InferenceUpscale.init) ?? .none }

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

  /// Whether the option asks for anything but the pair's own size.
  var isSet: Bool { rule.enlarges }
}

extension Float {
  /// `2`, `1.5`: the shortest decimal form.
  fileprivate var formatted: String {
    self == rounded() ? String(Int(self)) : String(format: "%g", Double(self))
  }
}
