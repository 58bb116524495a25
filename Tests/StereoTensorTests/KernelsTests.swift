import Foundation
import StereoTensor
import Testing
import _StereoTestSupport

/// The Swift kernels of ``DNNLBackend`` against ``ReferenceBackend``: every broadcasting fast path
/// and the general fallback, every reduction pattern, layout operations on every axis, and
/// softmax on row lengths around the 8-lane vector width. Some shapes are large enough to split
/// across threads.
@Suite("Swift kernels match the reference")
struct KernelsTests {
  let fast: DNNLBackend
  let reference = Backends.reference

  init() throws {
    fast = try DNNLBackend.shared()
  }

  static let broadcastPairs: [(lhs: [Int], rhs: [Int])] = [
    ([2, 3, 4, 5], [2, 3, 4, 5]),  // same shape
    ([2, 3, 4, 5], [5]),  // per-channel vector
    ([5], [2, 3, 4, 5]),  // per-channel vector on the left
    ([2, 3, 4, 5], [2, 3, 4, 1]),  // [N, H, W, 1] map over the channels
    ([2, 3, 4, 1], [2, 3, 4, 5]),
    ([2, 3, 4, 5], []),  // scalar
    ([1], [2, 3, 4, 5]),
    ([2, 1, 4, 1], [1, 3, 1, 5]),  // general: both broadcast
    ([3, 1], [1, 4]),
    ([4, 5], [2, 3, 4, 5]),  // lower rank
    ([2, 3, 1, 5], [2, 3, 4, 5]),
    ([96, 1030], [96, 1030]),  // split across threads
    ([3, 40, 41, 48], [48]),
    ([3, 40, 41, 48], [3, 40, 41, 1]),
  ]

  @Test("Binary operations on every broadcasting path", arguments: BinaryOperation.allCases)
  func binary(operation: BinaryOperation) {
    for (index, pair) in Self.broadcastPairs.enumerated() {
      let lhs = randomTensor(pair.lhs, seed: UInt64(index * 2))
      // Denominators away from zero.
      let rhs = randomTensor(pair.rhs, seed: UInt64(index * 2 + 1), in: 0.5...2)
      let outputShape = Tensor.broadcastShape(pair.lhs, pair.rhs)
      expectClose(
        fast.binary(operation, lhs, rhs, outputShape: outputShape),
        reference.binary(operation, lhs, rhs, outputShape: outputShape), .elementwise,
        "\(operation) \(pair.lhs) with \(pair.rhs)")
    }
  }

  @Test("Unary operations and affine maps", arguments: UnaryOperation.allCases)
  func unary(operation: UnaryOperation) {
    let positive: Set<UnaryOperation> = [.log, .sqrt]
    for shape in [[2, 3, 4, 5], [7], [100_003]] {
      let range: ClosedRange<Float> = positive.contains(operation) ? 0.01...50 : -20...20
      let input = randomTensor(shape, seed: UInt64(shape.count), in: range)
      let tolerance: Tolerance = [.exp, .log].contains(operation) ? .normalized : .elementwise
      expectClose(
        fast.unary(operation, input), reference.unary(operation, input), tolerance,
        "\(operation) \(shape)")
    }
    let input = randomTensor([3, 33, 1001], seed: 3)
    expectClose(
      fast.affine(input, scale: -1.5, offset: 0.25),
      reference.affine(input, scale: -1.5, offset: 0.25),
      .elementwise, "affine")
  }

  @Test("Vectorised exp and log over their whole range, with special values")
  func vectorMath() {
    var values: [Float] = [
      0, -0, 1, -1, 88.7, -87.3, 89, -88, -104, 1e-30, .leastNonzeroMagnitude,
      .leastNormalMagnitude,
      .leastNormalMagnitude / 3,
      .greatestFiniteMagnitude, .infinity, -.infinity, .nan, 0.5, 2, 3.4e38,
    ]
    var generator = SeededGenerator(seed: 11)
    for _ in 0..<20_000 { values.append(Float.random(in: -90...90, using: &generator)) }
    for _ in 0..<20_000 {
      values.append(Float(Foundation.exp(Double.random(in: -95...88, using: &generator))))
    }
    let input = Tensor(values)
    let exps = fast.unary(.exp, input).scalars, logs = fast.unary(.log, input).scalars
    for (index, x) in values.enumerated() {
      // Float(Double) rounds overflow to ∞ and underflow to 0 or a subnormal, as expf would.
      let expectedExp = Float(Foundation.exp(Double(x)))
      #expect(
        Self.agree(exps[index], expectedExp, floor: Float.leastNormalMagnitude),
        "exp(\(x)) = \(exps[index]), expected \(expectedExp)")
      let expectedLog = Float(Foundation.log(Double(x)))
      #expect(
        Self.agree(logs[index], expectedLog, floor: 1e-37),
        "log(\(x)) = \(logs[index]), expected \(expectedLog)")
    }
  }

  /// Both NaN, equal (infinities included), or within 3e-7 relative, or `floor` absolute.
  static func agree(_ actual: Float, _ expected: Float, floor: Float) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if actual == expected { return true }
    return Swift.abs(actual - expected) <= Swift.max(3e-7 * Swift.abs(expected), floor)
  }

  @Test("Reductions over every axis pattern", arguments: ReductionOperation.allCases)
  func reductions(operation: ReductionOperation) {
    let axesSets: [[Int]] = [
      [0], [1], [2], [3], [0, 1], [1, 2], [2, 3], [0, 3], [0, 2], [1, 3], [0, 1, 2], [1, 2, 3],
      [0, 1, 2, 3],
    ]
    for shape in [[2, 3, 4, 5], [3, 1, 7, 9], [2, 33, 35, 17]] {
      let input = randomTensor(shape, seed: UInt64(shape.reduce(0, +)))
      for axes in axesSets {
        let reduced = axes.reduce(1) { $0 * shape[$1] }
        expectClose(
          fast.reduce(operation, input, axes: axes), reference.reduce(operation, input, axes: axes),
          operation == .sum ? .forSums(of: reduced) : .elementwise,
          "\(operation) \(shape) over \(axes)")
      }
    }
    // Long rows and long columns that split across threads.
    for (shape, axes) in [
      ([300_007], [0]), ([3, 70_001], [1]), ([70_001, 3], [0]), ([2, 50_000, 5], [1]),
    ] {
      let input = randomTensor(shape, seed: 5)
      let reduced = axes.reduce(1) { $0 * shape[$1] }
      expectClose(
        fast.reduce(operation, input, axes: axes), reference.reduce(operation, input, axes: axes),
        operation == .sum ? .forSums(of: reduced) : .elementwise,
        "\(operation) \(shape) over \(axes)")
    }
  }

  @Test("Broadcasting to a larger shape")
  func broadcast() {
    for (shape, target) in [
      ([1, 1, 1, 3], [2, 4, 5, 3]), ([2, 1, 4, 1], [2, 3, 4, 5]), ([1, 1], [3, 4]),
      ([2, 3, 4, 1], [2, 3, 4, 6]), ([1, 3, 1], [4, 3, 2]),
    ] {
      let input = randomTensor(shape, seed: 8)
      expectClose(
        fast.broadcast(input, to: target), reference.broadcast(input, to: target), .elementwise,
        "\(shape) to \(target)")
    }
  }

  @Test("Concatenation, slicing and padding along every axis")
  func layout() {
    let shapes = [[2, 3, 4, 5], [2, 3, 4, 5]]
    for axis in 0..<4 {
      var parts: [Tensor] = []
      for (index, extent) in [1, 3, 2].enumerated() {
        var shape = shapes[0]
        shape[axis] = extent
        parts.append(randomTensor(shape, seed: UInt64(axis * 10 + index)))
      }
      expectClose(
        fast.concatenate(parts, axis: axis), reference.concatenate(parts, axis: axis),
        .elementwise, "concatenate along \(axis)")
      let input = randomTensor([5, 5, 6, 7], seed: UInt64(axis))
      for range in [0..<1, 1..<4, 2..<5] {
        expectClose(
          fast.slice(input, axis: axis, range: range),
          reference.slice(input, axis: axis, range: range),
          .elementwise, "slice \(range) along \(axis)")
      }
      for mode in [PaddingMode.zero, .replicate] {
        for (before, after) in [(1, 0), (0, 2), (2, 3)] {
          let padded = fast.pad(input, axis: axis, before: before, after: after, mode: mode)
          expectClose(
            padded, reference.pad(input, axis: axis, before: before, after: after, mode: mode),
            .elementwise, "pad \(mode) \(before), \(after) along \(axis)")
          let gradient = randomTensor(padded.shape, seed: 99)
          expectClose(
            fast.padBackward(gradient, axis: axis, before: before, after: after, mode: mode),
            reference.padBackward(gradient, axis: axis, before: before, after: after, mode: mode),
            .elementwise, "pad backward \(mode) \(before), \(after) along \(axis)")
        }
      }
    }
    // Large enough to split across threads.
    let big = [randomTensor([6, 40, 42, 32], seed: 1), randomTensor([6, 40, 42, 16], seed: 2)]
    expectClose(
      fast.concatenate(big, axis: 3), reference.concatenate(big, axis: 3), .elementwise,
      "concatenate channels")
  }

  @Test(
    "Softmax and its backward over the last axis",
    arguments: [
      [2, 3, 4, 7], [2, 3, 4, 8], [1, 5, 6, 48], [3, 53], [4, 1], [2, 40, 41, 48],
    ])
  func softmax(shape: [Int]) {
    let input = randomTensor(shape, seed: UInt64(shape.last ?? 0), in: -8...8)
    let output = reference.softmax(input)
    expectClose(fast.softmax(input), output, .normalized, "softmax \(shape)")
    let gradient = randomTensor(shape, seed: 3)
    expectClose(
      fast.softmaxBackward(gradient, output: output),
      reference.softmaxBackward(gradient, output: output), .normalized, "softmax backward \(shape)")
  }
}
