import StereoNN
import StereoTensor

extension WNetConfiguration {
  /// The configuration with the settings that change no parameter cleared: the hand-offs
  /// between scales (`localCoarseEstimate`, `localRefinementEstimates`), which choose how an
  /// estimate is read from a distribution, not what computes it, `quarterPasses`, which runs
  /// the same 1/4 weights again, `propagation`, which chooses where the finer scales start, and
  /// `searchMaximum`, which bounds the coarse estimate.
  public var parameterLayout: WNetConfiguration {
    var layout = self
    layout.localCoarseEstimate = false
    layout.localRefinementEstimates = false
    layout.quarterPasses = 1
    layout.propagation = 0
    layout.searchMaximum = nil
    return layout
  }

  /// Whether a network of `other` has exactly this network's parameters (names, shapes): the
  /// two differ at most in their hand-offs and passes (``parameterLayout``).
  public func hasSameParameters(as other: WNetConfiguration) -> Bool {
    parameterLayout == other.parameterLayout
  }

  /// Whether a network of `other` has this network's preset and candidates: what
  /// ``WNet/transplanted(into:seed:)`` needs.
  public func hasSameCandidates(as other: WNetConfiguration) -> Bool {
    preset == other.preset && minimumDisparity == other.minimumDisparity
      && maximumDisparity == other.maximumDisparity
  }
}

extension WNet {
  /// An independent copy with the same configuration and parameter values.
  public func copy() -> WNet { reconfigured(configuration) }

  /// An independent copy with the same parameter values (weights and batch-norm statistics)
  /// under `configuration`, which may differ from this model's in its hand-offs and passes only
  /// (``WNetConfiguration/hasSameParameters(as:)``): `--init-from` a model trained with other
  /// hand-offs, or `--quarter-passes`.
  public func reconfigured(_ configuration: WNetConfiguration) -> WNet {
    precondition(
      configuration.hasSameParameters(as: self.configuration),
      "WNet.reconfigured: \(configuration) has other parameters than \(self.configuration)")
    let copy = WNet(configuration: configuration)
    for ((name, source), (copiedName, target)) in zip(
      parameters.entries, copy.parameters.entries)
    {
      precondition(name == copiedName, "WNet.reconfigured: \(name) against \(copiedName)")
      target.value = source.value
    }
    return copy
  }
}

extension WNet {
  /// A new network of `configuration` (seeded weights, `seed`) that takes this model's
  /// parameter values wherever a parameter has the same name and shape (weights and batch-norm
  /// statistics): a warm start across an architecture change, such as `quarterCoarse`, whose
  /// features and 1/2 and 1/1 refinement keep their names. `fresh` names the parameters that kept
  /// their seeded values.
  ///
  /// Into a `slimHalfScale` network from one without it, the 1/2 scale is pruned instead
  /// (``MatchingWNet/prunedHalfScale(from:)``): none of its parameters stays seeded. Likewise
  /// the coarse and 1/4 units into a `slimCoarseScales` network from one without it, neither
  /// having `coarseContext` or `quarterCoarse` (``MatchingWNet/prunedCoarseScales(from:)``), and
  /// the full-resolution scale into a `slimFullScale` network from one without it
  /// (``MatchingWNet/prunedFullScale(from:)``). Into a `coarseContext` network from one without
  /// it (neither with `slimCoarseScales`), the merge unit takes the second coarse unit's values so
  /// that the map is the same (``MatchingWNet/contextMerge(from:)``); only the context units stay
  /// seeded.
  ///
  /// - Precondition: the same preset and candidate range.
  public func transplanted(
    into configuration: WNetConfiguration, seed: UInt64
  ) -> (model: WNet, fresh: [String]) {
    precondition(
      configuration.hasSameCandidates(as: self.configuration),
      "WNet.transplanted: another preset or range")
    let target = WNet(configuration: configuration, seed: seed)
    let source = parameters
    var pruned =
      configuration.slimHalfScale && !self.configuration.slimHalfScale
      ? MatchingWNet.prunedHalfScale(from: source) : [:]
    if configuration.slimCoarseScales && !self.configuration.slimCoarseScales
      && !configuration.coarseContext && !self.configuration.coarseContext
      && !configuration.quarterCoarse && !self.configuration.quarterCoarse
    {
      pruned.merge(MatchingWNet.prunedCoarseScales(from: source)) { $1 }
    }
    if configuration.slimFullScale && !self.configuration.slimFullScale {
      pruned.merge(MatchingWNet.prunedFullScale(from: source)) { $1 }
    }
    if configuration.coarseContext && !self.configuration.coarseContext
      && !configuration.slimCoarseScales && !self.configuration.slimCoarseScales
    {
      pruned.merge(MatchingWNet.contextMerge(from: source)) { $1 }
    }
    var fresh: [String] = []
    for (name, parameter) in target.parameters.entries {
      if let value = pruned[name] {
        parameter.value = value
      } else if let value = source[name]?.value, value.shape == parameter.value.shape {
        parameter.value = value
      } else {
        fresh.append(name)
      }
    }
    return (target, fresh)
  }
}
