import StereoTensor

/// The result of comparing an analytic gradient with central finite differences.
package struct GradientCheck: CustomStringConvertible {
  /// The largest `|analytic − numeric| / max(1, |numeric|)` over the checked elements.
  package var worstError: Float
  /// Where it happened, and the two values.
  package var worstIndex: Int
  package var analytic: Float
  package var numeric: Float

  package var description: String {
    "worst error \(worstError) at element \(worstIndex): analytic \(analytic), numeric \(numeric)"
  }
}

/// Checks d(Σ w·f(inputs))/d inputs[k] against central differences.
///
/// The objective is `Σ w·f(x)` with fixed random weights `w`, so every output element's gradient is
/// exercised. Differences use step `h` in Float32; the objective is accumulated in Double, so the
/// truncation error is O(h²) and the rounding error about `ε_f32·|f|/h`: with `h = 1e-2` and
/// values of order 1, agreement to a few 1e-3 relative is what the method can resolve.
///
/// - Parameters:
///   - inputs: The points to differentiate at.
///   - checking: The inputs whose gradient is checked (all by default).
///   - maximumElements: At most this many elements of each input are perturbed (spread evenly).
///   - function: The function under test; it must be deterministic.
/// - Returns: One check per input in `checking`.
package func checkGradients(
  at inputs: [Tensor], checking: [Int]? = nil, step h: Float = 1e-2, maximumElements: Int = 64,
  seed: UInt64 = 99, _ function: ([Tensor]) -> Tensor
) -> [GradientCheck] {
  var generator = SeededGenerator(seed: seed)
  let parameters = inputs.map { Parameter($0) }
  // Stage: the analytic gradient of Σ w·f.
  let output = function(parameters.map(\.tracked))
  let weights = Tensor.randomUniform(output.shape, in: -1...1, using: &generator)
  (output * weights).sum().backward()

  func objective(_ values: [Tensor]) -> Double {
    let y = withoutGradients { function(values) }
    return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
  }

  return (checking ?? Array(inputs.indices)).map { k in
    let analytic = parameters[k].gradient ?? Tensor.zeros(inputs[k].shape)
    let elementStep = max(1, inputs[k].count / maximumElements)
    var check = GradientCheck(worstError: 0, worstIndex: -1, analytic: 0, numeric: 0)
    for index in stride(from: 0, to: inputs[k].count, by: elementStep) {
      var plus = inputs, minus = inputs
      plus[k].withUnsafeMutableBufferPointer { $0[index] += h }
      minus[k].withUnsafeMutableBufferPointer { $0[index] -= h }
      let numeric = Float((objective(plus) - objective(minus)) / Double(2 * h))
      let value = analytic.scalars[index]
      let error = Swift.abs(value - numeric) / max(1, Swift.abs(numeric))
      if error > check.worstError || check.worstIndex < 0 {
        check = GradientCheck(
          worstError: error, worstIndex: index, analytic: value, numeric: numeric)
      }
    }
    return check
  }
}
