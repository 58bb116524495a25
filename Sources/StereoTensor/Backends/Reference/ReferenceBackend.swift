/// The oracle: every primitive as a plain Swift loop, written to be read rather than to be fast.
///
/// Indices follow the formulas in ``Backend``'s documentation one for one. Sums accumulate in
/// `Double` so that the oracle's rounding error stays well below that of the fast backend.
public final class ReferenceBackend: Backend {
  public var name: String { "reference" }

  public init() {}
}

/// Row-major strides of a shape.
func strides(of shape: [Int]) -> [Int] {
  var result = [Int](repeating: 1, count: shape.count)
  var stride = 1
  for axis in shape.indices.reversed() {
    result[axis] = stride
    stride *= shape[axis]
  }
  return result
}

/// The multi-index of flat position `flat` in `shape`.
func multiIndex(_ flat: Int, in shape: [Int]) -> [Int] {
  var index = [Int](repeating: 0, count: shape.count)
  var rest = flat
  for axis in shape.indices.reversed() {
    index[axis] = rest % shape[axis]
    rest /= shape[axis]
  }
  return index
}
