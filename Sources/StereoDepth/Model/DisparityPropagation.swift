internal import CStereoKernels
import StereoTensor

/// The hand-on between two scales with the neighbours' estimates as candidates (propagation, as
/// PatchMatch and HITNet propagate a neighbour's hypothesis): where a coarse estimate changes
/// within a pixel's 3×3 neighbourhood, the finer scale starts from the neighbour's estimate whose
/// match is best, not from the bilinear mix of them.
///
/// For a coarse map `d` `[N, h, w, 1]` and the finer scale's pixel `p = (y, x)` (`H = 2h`,
/// `W = 2w`), the candidates are
///
///     c₀(p) = b(p) = 2 · bilinear×2(d)(p)                         (``Tensor/upsampled2xScaled(by:)``)
///     c_{1+3i+j}(p) = 2 · d(clamp(⌊y/2⌋ + i − 1), clamp(⌊x/2⌋ + j − 1)),  i, j ∈ 0…2
///
/// Where the nine neighbours' span `max_{k≥1} c_k(p) − min_{k≥1} c_k(p)` is at most `threshold`
/// (in the finer scale's pixels), the result is `b(p)`. Elsewhere it is `c_{k*}(p)`, `k*` the
/// first minimum of `max(cost_k(p), costFloor)`,
///
///     cost_k(p) = Σ over the pixels q of the window × window box around p inside the map
///                 of e_k(q)    (a sum: every candidate of p has the same box),
///     e_k(q) = Σ_c (own(q, c) − other_lin(q_y, q_x + σ·c_k(q), c))²,
///
/// `other_lin` linear between columns, `(1 − t)·o(j) + t·o(j + 1)`, the column clamped to
/// `[0, W − 1]`; σ = −1 for the left view, +1 for the right. The channel sum runs in eight lanes
/// (channel `c` in lane `c mod 8`, then `((l₀+l₄)+(l₂+l₆)) + ((l₁+l₅)+(l₃+l₇))`), and the box
/// sum in row order, so a vector kernel can give the same bits. The floor makes candidates
/// whose boxes have no features at all (ReLU left them 0: about a fifth of the compared pixels
/// of a real pair) tie exactly, so that the bilinear estimate wins there in every
/// implementation, whatever its rounding (features of 0 in one, 1e-9 in another).
///
/// Why: `d0 = 2·bilinear×2(d)` puts the pixels beside a depth edge half-way between its two
/// depths, and a scale's ±2 offsets cannot reach either side of a wider jump; choosing among the
/// neighbours keeps the edge. It has no parameters and is a constant in training (no gradient):
/// `matching`'s `propagation` (docs/RUNS.md, "The hand-on chosen among the neighbours'
/// estimates").
public enum DisparityPropagation {
  /// The span of the neighbours' estimates, in the finer scale's pixels, above which the
  /// candidates are compared (chosen on the label-free judges; docs/RUNS.md).
  public static let threshold: Float = 2
  /// The side of the box over which a candidate's feature error is summed.
  public static let window = 3
  /// How many candidates each pixel compares: the bilinear estimate and the nine neighbours'.
  public static let candidateCount = 10
  /// Costs below this tie (a box without texture; the typical best cost is 2-35).
  public static let costFloor: Float = 1e-2

  /// The hand-on of `coarse` to the scale of `own` (see the type's formula), through the C
  /// kernel where the CPU has AVX2 (`wnet_propagation_rows`, the same bits).
  ///
  /// - Parameters:
  ///   - coarse: `[N, h, w, 1]`, in the coarse scale's pixels.
  ///   - own: This view's features at the finer scale, `[N, 2h, 2w, C]`.
  ///   - other: The other view's features there, `[N, 2h, 2w, C]`.
  ///   - side: The view whose grid the result is on.
  ///   - threshold: The span, in the finer scale's pixels, above which candidates are compared.
  ///   - window: The side of the box, odd.
  /// - Returns: `[N, 2h, 2w, 1]`, in the finer scale's pixels.
  public static func handOn(
    _ coarse: Tensor, own: Tensor, other: Tensor, side: StereoSide,
    threshold: Float = threshold, window: Int = window
  ) -> Tensor {
    handOn(
      coarse, own: own, other: other, side: side, threshold: threshold, window: window,
      vectorized: VectorKernels.available)
  }

  /// ``handOn(_:own:other:side:threshold:window:)`` through its C kernel (`vectorized`) or in
  /// Swift alone (the definition, plainly).
  package static func handOn(
    _ coarse: Tensor, own: Tensor, other: Tensor, side: StereoSide, threshold: Float,
    window: Int, vectorized: Bool
  ) -> Tensor {
    let (n, h, w, one) = coarse.nhwc("DisparityPropagation coarse")
    let (fn, fh, fw, _) = own.nhwc("DisparityPropagation own")
    precondition(
      one == 1 && fn == n && fh == 2 * h && fw == 2 * w && other.shape == own.shape,
      "DisparityPropagation: coarse \(coarse.shape), own \(own.shape), other \(other.shape)")
    precondition(window >= 1 && window % 2 == 1, "DisparityPropagation: window \(window)")
    let bilinear = coarse.upsampled2xScaled(by: 2)
    return Profiler.measure("propagation") {
      (vectorized ? kernel : reference)(
        coarse, bilinear, own, other, side, threshold, window)
    }
  }

  /// The Swift path: the definition, plainly (the oracle of the C kernel's).
  static func reference(
    _ coarse: Tensor, _ bilinear: Tensor, _ own: Tensor, _ other: Tensor, _ side: StereoSide,
    _ threshold: Float, _ window: Int
  ) -> Tensor {
    let (n, h, w, _) = coarse.nhwc("DisparityPropagation coarse")
    let (fh, fw, c) = (2 * h, 2 * w, own.shape[3])
    let result = Tensor(uninitializedShape: [n, fh, fw, 1])
    let k = candidateCount
    let pointers = UncheckedSendable(
      (
        coarse.unsafePointer, bilinear.unsafePointer, own.unsafePointer, other.unsafePointer,
        result.unsafeMutablePointer
      ))
    let sigma = Float(side.direction)
    let reach = window / 2
    for image in 0..<n {
      // The candidates of every pixel, and which pixels compare them.
      var candidates = [Float](repeating: 0, count: fh * fw * k)
      var marked = [Bool](repeating: false, count: fh * fw)
      let (d, b, _, _, output) = pointers.value
      let coarseMap = d + image * h * w
      let base = b + image * fh * fw
      let out = output + image * fh * fw
      for y in 0..<fh {
        for x in 0..<fw {
          let p = y * fw + x
          var low = Float.infinity
          var high = -Float.infinity
          candidates[p * k] = base[p]
          for i in 0..<3 {
            let row = Swift.min(Swift.max(y / 2 + i - 1, 0), h - 1)
            for j in 0..<3 {
              let column = Swift.min(Swift.max(x / 2 + j - 1, 0), w - 1)
              let value = 2 * coarseMap[row * w + column]
              candidates[p * k + 1 + 3 * i + j] = value
              low = Swift.min(low, value)
              high = Swift.max(high, value)
            }
          }
          marked[p] = high - low > threshold
          out[p] = base[p]
        }
      }
      // e_k at every pixel within a box of a marked one.
      var needed = [Bool](repeating: false, count: fh * fw)
      for y in 0..<fh {
        for x in 0..<fw where marked[y * fw + x] {
          for v in Swift.max(0, y - reach)...Swift.min(fh - 1, y + reach) {
            for u in Swift.max(0, x - reach)...Swift.min(fw - 1, x + reach) {
              needed[v * fw + u] = true
            }
          }
        }
      }
      var errors = [Float](repeating: 0, count: fh * fw * k)
      candidates.withUnsafeBufferPointer { candidates in
        errors.withUnsafeMutableBufferPointer { errors in
          let shared = UncheckedSendable((candidates, errors))
          needed.withUnsafeBufferPointer { needed in
            let needs = UncheckedSendable(needed)
            Parallel.forEachRange(fh, minimumChunk: 8) { rows in
              let (_, _, ownFeatures, otherFeatures, _) = pointers.value
              let (candidates, errors) = shared.value
              let ownMap = ownFeatures + image * fh * fw * c
              let otherMap = otherFeatures + image * fh * fw * c
              for y in rows {
                for x in 0..<fw where needs.value[y * fw + x] {
                  let p = y * fw + x
                  for candidate in 0..<k {
                    errors[p * k + candidate] = featureError(
                      own: ownMap + p * c, otherRow: otherMap + y * fw * c, width: fw,
                      channels: c, column: Float(x) + sigma * candidates[p * k + candidate])
                  }
                }
              }
            }
          }
        }
      }
      // The choice at the marked pixels.
      for y in 0..<fh {
        for x in 0..<fw where marked[y * fw + x] {
          var best = 0
          var bestCost = Float.infinity
          for candidate in 0..<k {
            var cost: Float = 0
            for v in Swift.max(0, y - reach)...Swift.min(fh - 1, y + reach) {
              for u in Swift.max(0, x - reach)...Swift.min(fw - 1, x + reach) {
                cost += errors[(v * fw + u) * k + candidate]
              }
            }
            cost = Swift.max(cost, costFloor)
            if cost < bestCost {
              bestCost = cost
              best = candidate
            }
          }
          out[y * fw + x] = candidates[(y * fw + x) * k + best]
        }
      }
    }
    return withExtendedLifetime((coarse, bilinear, own, other)) { result }
  }

  /// Whether each coarse cell's 3×3 neighbourhood of estimates (×2) spans more than `threshold`:
  /// `[N·h·w]`, 1 where it does.
  static func markedCells(_ coarse: Tensor, threshold: Float) -> [UInt8] {
    let (n, h, w, _) = coarse.nhwc("DisparityPropagation coarse")
    var marked = [UInt8](repeating: 0, count: n * h * w)
    marked.withUnsafeMutableBufferPointer { marked in
      for image in 0..<n {
        wnet_propagation_marks(
          coarse.unsafePointer + image * h * w, Int32(h), Int32(w), threshold,
          marked.baseAddress! + image * h * w)
      }
    }
    return withExtendedLifetime(coarse) { marked }
  }

  /// The C kernel's path: the cells marked once, then bands of rows in parallel, each with its
  /// own ring of error rows.
  static func kernel(
    _ coarse: Tensor, _ bilinear: Tensor, _ own: Tensor, _ other: Tensor, _ side: StereoSide,
    _ threshold: Float, _ window: Int
  ) -> Tensor {
    let (n, h, w, _) = coarse.nhwc("DisparityPropagation coarse")
    let c = own.shape[3]
    let (fh, fw) = (2 * h, 2 * w)
    let result = Tensor(uninitializedShape: [n, fh, fw, 1])
    let marked = markedCells(coarse, threshold: threshold)
    let reach = window / 2
    let pointers = UncheckedSendable(
      (
        coarse.unsafePointer, bilinear.unsafePointer, own.unsafePointer, other.unsafePointer,
        result.unsafeMutablePointer
      ))
    marked.withUnsafeBufferPointer { marked in
      let cells = UncheckedSendable(marked.baseAddress!)
      Parallel.forEachRange(n * fh, minimumChunk: 16) { rows in
        let (d, b, f, g, out) = pointers.value
        let slots = 2 * reach + 1
        let ring = UnsafeMutablePointer<Float>.allocate(capacity: slots * fw * candidateCount)
        let ringRows = UnsafeMutablePointer<Int32>.allocate(capacity: slots)
        let columns = UnsafeMutablePointer<UInt8>.allocate(capacity: fw)
        defer {
          ring.deallocate()
          ringRows.deallocate()
          columns.deallocate()
        }
        // A band may span images: one call per image's share.
        var row = rows.lowerBound
        while row < rows.upperBound {
          let image = row / fh
          let end = Swift.min(rows.upperBound, (image + 1) * fh)
          wnet_propagation_rows(
            d + image * h * w, Int32(h), Int32(w), cells.value + image * h * w,
            b + image * fh * fw, f + image * fh * fw * c, g + image * fh * fw * c, Int32(c),
            Float(side.direction), Int32(reach), costFloor, Int32(row - image * fh),
            Int32(end - image * fh), ring, ringRows, columns, out + image * fh * fw)
          row = end
        }
      }
    }
    return withExtendedLifetime((coarse, bilinear, own, other)) { result }
  }

  /// `e = Σ_c (own_c − other_lin(column)_c)²` with the channel sum in eight lanes (the
  /// type's order); `column` is clamped to `[0, width − 1]` (NaN to 0).
  static func featureError(
    own: UnsafePointer<Float>, otherRow: UnsafePointer<Float>, width: Int, channels: Int,
    column: Float
  ) -> Float {
    // A NaN column reads column 0 (as the vector kernel's max does).
    let u = column.isNaN ? 0 : Swift.min(Swift.max(column, 0), Float(width - 1))
    let left = Int(u.rounded(.down))
    let right = Swift.min(left + 1, width - 1)
    let t = u - Float(left)
    let (a, b) = (otherRow + left * channels, otherRow + right * channels)
    var lanes = SIMD8<Float>(repeating: 0)
    for channel in 0..<channels {
      let sample = (1 - t) * a[channel] + t * b[channel]
      let difference = own[channel] - sample
      lanes[channel % 8] += difference * difference
    }
    let sum =
      ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
      + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
    return sum
  }
}
