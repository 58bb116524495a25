import StereoNN
import StereoTensor

/// A network without `coarseContext` carried into one with it so that it computes the same map.
///
/// The context network's coarse aggregation is `coarse.0`, then the merge unit on
/// `[upsample×2(c), x]` (`c` the context branch at 1/16, `x` the output of `coarse.0`), where the
/// network without it has `coarse.1` on `x`. The merge unit takes `coarse.1`'s filter on its `x`
/// inputs, zeros on its `c` inputs, and `coarse.1`'s batch norm:
///
///     merge(x, c) = BN₁ReLU(W₁ ∗ x + 0 ∗ c) = coarse.1(x)
///
/// so the map is unchanged and the context branch (seeded) starts from no influence: the
/// gradient reaches its zero filter through `c`, as a residual branch initialised at zero.
extension MatchingWNet {
  /// The `coarse.context.merge.*` values that make a `coarseContext` network compute what
  /// `source`'s (a `matching` network without it) computes.
  ///
  /// - Precondition: `source` has `coarse.1` (filter `[w, 3, 3, w]` and its batch norm).
  public static func contextMerge(from source: Parameters) -> [String: Tensor] {
    guard let filter = source["coarse.1.conv.filter"]?.value else {
      preconditionFailure("MatchingWNet.contextMerge: the source has no coarse.1 unit")
    }
    let shape = filter.shape  // [w, 3, 3, w]: [out, kh, kw, in]
    var result = [
      "coarse.context.merge.conv.filter": Tensor.concatenate(
        [Tensor.zeros(shape), filter], axis: 3)
    ]
    for statistic in ["running_mean", "running_variance", "scale", "shift"] {
      guard let value = source["coarse.1.bn.\(statistic)"]?.value else {
        preconditionFailure("MatchingWNet.contextMerge: the source has no coarse.1.bn.\(statistic)")
      }
      result["coarse.context.merge.bn.\(statistic)"] = value
    }
    return result
  }
}
