/// A reduction as a type: its identity and how two partial results combine.
protocol ReductionFunction {
  static var identity: Float { get }
  static func combine(_ a: Float, _ b: Float) -> Float
  /// Folds a block's `Float` result into a `Double` total.
  static func fold(_ total: Double, _ block: Float) -> Double
  /// Merges two `Double` totals.
  static func merge(_ a: Double, _ b: Double) -> Double
}

enum SumFunction: ReductionFunction {
  static var identity: Float { 0 }
  @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a + b }
  @inline(__always) static func fold(_ total: Double, _ block: Float) -> Double {
    total + Double(block)
  }
  @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { a + b }
}

enum MaxFunction: ReductionFunction {
  static var identity: Float { -.infinity }
  @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
  @inline(__always) static func fold(_ total: Double, _ block: Float) -> Double {
    Swift.max(total, Double(block))
  }
  @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { Swift.max(a, b) }
}

enum MinFunction: ReductionFunction {
  static var identity: Float { .infinity }
  @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { b < a ? b : a }
  @inline(__always) static func fold(_ total: Double, _ block: Float) -> Double {
    Swift.min(total, Double(block))
  }
  @inline(__always) static func merge(_ a: Double, _ b: Double) -> Double { Swift.min(a, b) }
}

/// Reductions over any set of axes.
///
/// Axes are collapsed into alternating kept and reduced groups, and groups are reduced one at a
/// time from the innermost, each by one of two vectorised kernels:
/// - a trailing reduced group: every row is reduced along its contiguous length ("last axis");
/// - a reduced group followed by a kept group of extent `K`: `K` running accumulators walk the
///   group's rows ("all but the last axes", e.g. per-channel sums of `[N, H, W, C]`).
///
/// So a sum over all axes is one row reduction, a per-channel sum one column reduction, and
/// alternating patterns (axes `[0, 2]`) take one pass per reduced group.
///
/// Precision: values are summed in `Float` over blocks of at most ``blockLength`` (8 accumulators),
/// and block results in `Double`, so the error stays near that of a `Double` sum.
extension Kernels {
  /// The most values summed in `Float` before the partial result moves to `Double`.
  static let blockLength = 512

  static func reduce(_ operation: ReductionOperation, _ input: Tensor, axes: [Int]) -> Tensor {
    switch operation {
    case .sum: reduce(SumFunction.self, input, axes: axes)
    case .max: reduce(MaxFunction.self, input, axes: axes)
    case .min: reduce(MinFunction.self, input, axes: axes)
    }
  }

  private static func reduce<F: ReductionFunction>(
    _ function: F.Type, _ input: Tensor, axes: [Int]
  ) -> Tensor {
    var outputShape = input.shape
    for axis in axes { outputShape[axis] = 1 }
    // Stage: collapse into groups (extent, reduced?), dropping extent-1 axes.
    var groups: [(extent: Int, reduced: Bool)] = []
    for axis in input.shape.indices where input.shape[axis] != 1 {
      let reduced = axes.contains(axis)
      if let last = groups.last, last.reduced == reduced {
        groups[groups.count - 1].extent *= input.shape[axis]
      } else {
        groups.append((input.shape[axis], reduced))
      }
    }
    guard groups.contains(where: \.reduced) else {
      // Nothing to reduce but extent-1 axes: a copy.
      return Tensor(shape: outputShape, storage: input.detached.storage)
    }
    // Stage: reduce the innermost reduced group until none is left.
    var current = input
    while let index = groups.lastIndex(where: \.reduced) {
      let outer = groups[..<index].reduce(1) { $0 * $1.extent }
      let middle = groups[index].extent
      let inner = groups[(index + 1)...].reduce(1) { $0 * $1.extent }
      let next = Tensor(uninitializedShape: [outer * inner])
      if inner == 1 {
        reduceRows(
          F.self, current.unsafePointer, rows: outer, length: middle,
          into: next.unsafeMutablePointer)
      } else {
        reduceColumns(
          F.self, current.unsafePointer, outer: outer, rows: middle, columns: inner,
          into: next.unsafeMutablePointer)
      }
      withExtendedLifetime(current) {}
      current = next
      groups.remove(at: index)
    }
    return Tensor(shape: outputShape, storage: current.storage)
  }

  /// `y[r] = ⊕ₖ x[r·length + k]`.
  private static func reduceRows<F: ReductionFunction>(
    _ function: F.Type, _ x: UnsafePointer<Float>, rows: Int, length: Int,
    into y: UnsafeMutablePointer<Float>
  ) {
    if rows >= Parallel.threadCount || length < grain {
      Parallel.forEachRange(rows, minimumChunk: Swift.max(1, grain / length)) { range in
        for row in range { y[row] = Float(reduceRow(F.self, x + row * length, length)) }
      }
      return
    }
    // Few long rows (a full reduction): split each row across threads.
    let chunks = Parallel.threadCount
    let partials = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
    defer { partials.deallocate() }
    for row in 0..<rows {
      let base = x + row * length
      Parallel.forEachRange(chunks, minimumChunk: 1) { range in
        for chunk in range {
          let start = length * chunk / chunks, end = length * (chunk + 1) / chunks
          partials[chunk] = reduceRow(F.self, base + start, end - start)
        }
      }
      var total = partials[0]
      for chunk in 1..<chunks { total = F.merge(total, partials[chunk]) }
      y[row] = Float(total)
    }
  }

  /// One row, in blocks of eight running `Float` partial results folded into a `Double`.
  ///
  /// Eight scalar accumulators, which the compiler keeps in vector registers; `SIMD8`'s
  /// `replacing(with:where:)` and `pointwiseMax` measured 3-20x slower for max and min.
  @inline(__always)
  private static func reduceRow<F: ReductionFunction>(
    _ function: F.Type, _ x: UnsafePointer<Float>, _ length: Int
  ) -> Double {
    var total = Double(F.identity)
    var start = 0
    while start < length {
      let end = Swift.min(start + blockLength, length)
      var (a0, a1, a2, a3) = (F.identity, F.identity, F.identity, F.identity)
      var (a4, a5, a6, a7) = (F.identity, F.identity, F.identity, F.identity)
      var index = start
      while index + 8 <= end {
        a0 = F.combine(a0, x[index])
        a1 = F.combine(a1, x[index + 1])
        a2 = F.combine(a2, x[index + 2])
        a3 = F.combine(a3, x[index + 3])
        a4 = F.combine(a4, x[index + 4])
        a5 = F.combine(a5, x[index + 5])
        a6 = F.combine(a6, x[index + 6])
        a7 = F.combine(a7, x[index + 7])
        index += 8
      }
      var block = F.combine(
        F.combine(F.combine(a0, a1), F.combine(a2, a3)),
        F.combine(F.combine(a4, a5), F.combine(a6, a7)))
      while index < end {
        block = F.combine(block, x[index])
        index += 1
      }
      total = F.fold(total, block)
      start = end
    }
    return total
  }

  /// `y[o, c] = ⊕ᵣ x[o, r, c]` for `x` of shape `[outer, rows, columns]`.
  private static func reduceColumns<F: ReductionFunction>(
    _ function: F.Type, _ x: UnsafePointer<Float>, outer: Int, rows: Int, columns: Int,
    into y: UnsafeMutablePointer<Float>
  ) {
    let threads = Parallel.threadCount
    // Split the rows too when there are fewer outer slices than threads and enough work.
    let splits = outer >= threads || rows * columns < 2 * grain ? 1 : threads
    let totals = UnsafeMutablePointer<Double>.allocate(capacity: splits * outer * columns)
    defer { totals.deallocate() }
    totals.initialize(repeating: Double(F.identity), count: splits * outer * columns)
    let perTask = Swift.max(1, rows * columns / splits)
    Parallel.forEachRange(outer * splits, minimumChunk: Swift.max(1, grain / perTask)) { range in
      let block = UnsafeMutablePointer<Float>.allocate(capacity: columns)
      defer { block.deallocate() }
      for task in range {
        let (slice, split) = (task / splits, task % splits)
        let first = rows * split / splits, last = rows * (split + 1) / splits
        let total = totals + (split * outer + slice) * columns
        var row = first
        while row < last {
          let end = Swift.min(row + blockLength, last)
          for column in 0..<columns { block[column] = F.identity }
          while row < end {
            let values = x + (slice * rows + row) * columns
            for column in 0..<columns { block[column] = F.combine(block[column], values[column]) }
            row += 1
          }
          for column in 0..<columns { total[column] = F.fold(total[column], block[column]) }
        }
      }
    }
    for index in 0..<(outer * columns) {
      var total = totals[index]
      for split in 1..<splits { total = F.merge(total, totals[split * outer * columns + index]) }
      y[index] = Float(total)
    }
  }
}
