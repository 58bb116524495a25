/// Tuned Swift kernels for the primitives oneDNN does not cover well: element-wise arithmetic with
/// broadcasting, reductions, layout operations and softmax.
///
/// Every kernel works on raw pointers (no per-element bounds checks or allocations), writes loops
/// the optimiser vectorises, and splits its outermost loop across ``Parallel/threadCount`` threads
/// once the work is large enough to pay for them. Each has a general fallback for shapes its fast
/// paths do not cover; all are checked against ``ReferenceBackend``.
enum Kernels {
  /// The fewest elements worth a thread of their own in a memory-bound loop (about 30 µs of work).
  static let grain = 32_768

  /// A strided view of a tensor over the axes of a (broadcast) output.
  struct StridedShape: Equatable {
    /// Output extents, outermost first.
    var extents: [Int]
    /// For each operand, its element stride along each axis (0 where it is broadcast).
    var strides: [[Int]]
  }

  /// Row-major strides of `shape` aligned right to `rank` axes, with 0 for extent-1 axes that
  /// `outputShape` repeats.
  static func broadcastStrides(_ shape: [Int], outputShape: [Int]) -> [Int] {
    let offset = outputShape.count - shape.count
    var result = [Int](repeating: 0, count: outputShape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
      result[axis + offset] = shape[axis] == 1 && outputShape[axis + offset] != 1 ? 0 : stride
      stride *= shape[axis]
    }
    return result
  }

  /// Merges adjacent axes that every operand walks contiguously (stride of the outer axis equal to
  /// stride × extent of the inner one), and drops extent-1 axes.
  ///
  /// A per-channel `[C]` over `[N, H, W, C]` becomes `[N·H·W, C]` with strides `[C, 1]` and
  /// `[0, 1]`; an `[N, H, W, 1]` map becomes `[N·H·W, C]` with `[C, 1]` and `[1, 0]`.
  static func collapse(extents: [Int], strides: [[Int]]) -> StridedShape {
    var outExtents: [Int] = []
    var outStrides = [[Int]](repeating: [], count: strides.count)
    for axis in extents.indices where extents[axis] != 1 {
      let last = outExtents.count - 1
      let mergeable =
        last >= 0
        && strides.indices.allSatisfy { outStrides[$0][last] == strides[$0][axis] * extents[axis] }
      if mergeable {
        outExtents[last] *= extents[axis]
        for operand in strides.indices { outStrides[operand][last] = strides[operand][axis] }
      } else {
        outExtents.append(extents[axis])
        for operand in strides.indices { outStrides[operand].append(strides[operand][axis]) }
      }
    }
    if outExtents.isEmpty {
      return StridedShape(extents: [1], strides: strides.map { _ in [0] })
    }
    return StridedShape(extents: outExtents, strides: outStrides)
  }

  /// The element offsets of row `row` (all axes but the last) for each operand.
  @inline(__always)
  static func rowOffsets(_ row: Int, _ shape: StridedShape, into offsets: inout [Int]) {
    for operand in offsets.indices { offsets[operand] = 0 }
    var rest = row
    var axis = shape.extents.count - 2
    while axis >= 0 {
      let extent = shape.extents[axis]
      let index = rest % extent
      rest /= extent
      for operand in offsets.indices { offsets[operand] += index * shape.strides[operand][axis] }
      axis -= 1
    }
  }

  /// Copies `count` floats; a plain loop for short runs, where `memmove`'s call costs more.
  @inline(__always)
  static func copy(
    _ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int
  ) {
    if count < 32 {
      for index in 0..<count { destination[index] = source[index] }
    } else {
      destination.update(from: source, count: count)
    }
  }
}
