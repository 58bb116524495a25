/// Order statistics of a float array by selection, without sorting it: the values ascending
/// `sorted()` would put at given positions.
///
/// For `n` values and positions `k₁ < k₂ < …` (0-based), each `a_(k)` is found by quickselect
/// with three-way partitioning (values `<`, `=` and `>` a median-of-three pivot), each search
/// starting where the previous one left off, so that the positions cost about `O(n)` together
/// where sorting costs `O(n log n)` (a 640×480 colour picture's percentiles: about 1% of a `wnet
/// infer` process in `perf`, the sort 5%). The values are
/// exactly those of `sorted()[k]`: an order statistic does not depend on how it is found. Values
/// must not be NaN.
enum OrderStatistics {
  /// `sorted(values)[k]` for each of `positions` (any order, each in `0..<values.count`).
  static func values(at positions: [Int], of values: [Float]) -> [Float] {
    precondition(
      positions.allSatisfy { values.indices.contains($0) }, "Order statistics outside the values")
    var work = values
    var result = [Float](repeating: 0, count: positions.count)
    var low = 0
    for (index, k) in positions.enumerated().sorted(by: { $0.element < $1.element }) {
      // Everything before `low` is at most everything from `low` on (earlier searches).
      select(k, in: &work, from: low)
      result[index] = work[k]
      low = k
    }
    return result
  }

  /// Rearranges `work[low...]` so that `work[k]` is its `(k − low)`-th smallest, every value
  /// before `k` at most it and every value after at least it.
  private static func select(_ k: Int, in work: inout [Float], from low: Int) {
    var (low, high) = (low, work.count - 1)
    while low < high {
      let middle = low + (high - low) / 2
      let pivot = medianOfThree(work[low], work[middle], work[high])
      // Three-way partition: [low, lessEnd) < pivot, [lessEnd, i) == pivot, (greaterStart, high] > pivot.
      var (lessEnd, i, greaterStart) = (low, low, high)
      while i <= greaterStart {
        let value = work[i]
        if value < pivot {
          work.swapAt(i, lessEnd)
          lessEnd += 1
          i += 1
        } else if value > pivot {
          work.swapAt(i, greaterStart)
          greaterStart -= 1
        } else {
          i += 1
        }
      }
      if k < lessEnd {
        high = lessEnd - 1
      } else if k > greaterStart {
        low = greaterStart + 1
      } else {
        return
      }
    }
  }

  private static func medianOfThree(_ a: Float, _ b: Float, _ c: Float) -> Float {
    max(min(a, b), min(max(a, b), c))
  }
}
