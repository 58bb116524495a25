/// Sums, means and extrema over any set of axes.
extension Tensor {
  func normalizedAxes(_ axes: [Int], _ operation: String) -> [Int] {
    let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 }).sorted()
    precondition(
      normalized.allSatisfy { $0 >= 0 && $0 < rank },
      "\(operation): axes \(axes) out of range for shape \(shape)")
    return normalized
  }

  /// The sum over `axes` (all axes when `nil`).
  ///
  /// - Parameter keepingDimensions: Keep reduced axes with extent 1 instead of removing them.
  public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
    let reducedAxes = normalizedAxes(axes ?? Array(0..<rank), "sum")
    var result =
      reducedAxes.isEmpty ? self.detached : Backends.current.reduce(.sum, self, axes: reducedAxes)
    let keptShape = result.shape
    let inputShape = shape
    result = Tensor.record(result, inputs: [self]) { g in
      [Backends.current.broadcast(g.reshaped(to: keptShape), to: inputShape)]
    }
    return keepingDimensions
      ? result : result.reshaped(to: Tensor.removing(reducedAxes, from: shape))
  }

  /// The mean over `axes` (all axes when `nil`).
  public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
    let reducedAxes = normalizedAxes(axes ?? Array(0..<rank), "mean")
    let reducedCount = reducedAxes.reduce(1) { $0 * shape[$1] }
    return sum(axes: reducedAxes, keepingDimensions: keepingDimensions)
      .scaled(by: 1 / Float(Swift.max(reducedCount, 1)))
  }

  /// The maximum over `axes` (all when `nil`); a constant as far as gradients go.
  public func max(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
    extremum(.max, axes: axes, keepingDimensions: keepingDimensions)
  }

  /// The minimum over `axes` (all when `nil`); a constant as far as gradients go.
  public func min(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
    extremum(.min, axes: axes, keepingDimensions: keepingDimensions)
  }

  func extremum(_ operation: ReductionOperation, axes: [Int]?, keepingDimensions: Bool) -> Tensor {
    precondition(count > 0, "\(operation) of an empty tensor of shape \(shape)")
    let reducedAxes = normalizedAxes(axes ?? Array(0..<rank), operation.rawValue)
    let result =
      reducedAxes.isEmpty ? detached : Backends.current.reduce(operation, self, axes: reducedAxes)
    return keepingDimensions
      ? result : result.reshaped(to: Tensor.removing(reducedAxes, from: shape))
  }

  static func removing(_ axes: [Int], from shape: [Int]) -> [Int] {
    shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
  }
}
