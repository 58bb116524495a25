import StereoTensor

extension OffsetSelection {
  /// The same layer as a composition of tensor operations: the oracle for the fused kernels.
  ///
  /// Tap `k` of pixel `x` reads `x + u_k(x)` with `u_k = σ·(d0 + o_k)`; with `t = ⌊u_k⌋` and
  /// `f = u_k − t` it takes `1 − f` of the source shifted by `t` and `f` of the source shifted by
  /// `t + 1`. So the view is `Σ_t (Σ_k P_k·c_{k,t}) · shift_t(source)` over the integer shifts
  /// `t`, where the interpolation weights `c_{k,t}` are constant maps computed here from `d0`,
  /// and `shift_t` pads the source by replicating its edge and slices it (as
  /// ``ProbabilisticSelection/composed(logits:source:)`` does). Autodiff through the softmax,
  /// slices, products and sums gives the gradients.
  ///
  /// Slow and memory-hungry (one full-size map per shift in the range of `u`); for tests.
  ///
  /// - Parameters: As ``callAsFunction(logits:baseDisparity:source:)``.
  public func composed(logits: Tensor, baseDisparity: Tensor, source: Tensor) -> SelectionOutput {
    checkShapes(logits, baseDisparity, source)
    let (n, h, w, k) = (logits.shape[0], logits.shape[1], logits.shape[2], candidateCount)
    let pixels = n * h * w
    let p = logits.softmax()
    let base = baseDisparity.scalars
    let direction = Float(side.direction)
    // Stage: per tap, the integer shift ⌊u⌋ and the fraction at every pixel.
    var floors = [[Int]](repeating: [], count: k)
    var fractions = [[Float]](repeating: [], count: k)
    for j in 0..<k {
      for pixel in 0..<pixels {
        let u = direction * (base[pixel] + offsets[j])
        let t = u.rounded(.down)
        floors[j].append(Int(t))
        fractions[j].append(u - t)
      }
    }
    let lowest = floors.joined().min() ?? 0
    let highest = (floors.joined().max() ?? 0) + 1
    let pad = Swift.max(Swift.abs(lowest), Swift.abs(highest))
    let padded = source.padded(axis: 2, before: pad, after: pad, mode: .replicate)
    let mapShape = [n, h, w, 1]
    // Stage: Σ_t (Σ_k P_k·c_{k,t}) · shift_t(source).
    var view: Tensor?
    for t in lowest...highest {
      var coefficient: Tensor?
      for j in 0..<k {
        let weights: [Float] = (0..<pixels).map { pixel in
          let floor = floors[j][pixel]
          return floor == t ? 1 - fractions[j][pixel] : (floor + 1 == t ? fractions[j][pixel] : 0)
        }
        guard weights.contains(where: { $0 != 0 }) else { continue }
        let term = p.slice(axis: 3, j..<(j + 1)) * Tensor(shape: mapShape, scalars: weights)
        coefficient = coefficient.map { $0 + term } ?? term
      }
      guard let coefficient else { continue }
      let contribution = coefficient * padded.slice(axis: 2, (pad + t)..<(pad + t + w))
      view = view.map { $0 + contribution } ?? contribution
    }
    // Stage: the in-bounds mass (taps with 0 ≤ x + u ≤ W − 1) and the expected disparity.
    var validity = Tensor.zeros(mapShape)
    for j in 0..<k {
      let inside: [Float] = (0..<pixels).map { pixel in
        let position = Float(pixel % w) + direction * (base[pixel] + offsets[j])
        return position >= 0 && position <= Float(w - 1) ? 1 : 0
      }
      validity =
        validity + p.detached.slice(axis: 3, j..<(j + 1)) * Tensor(shape: mapShape, scalars: inside)
    }
    let expected = (p * Tensor(offsets)).sum(axes: [3], keepingDimensions: true)
    return SelectionOutput(
      reconstruction: view ?? Tensor.zeros(source.shape),
      disparity: baseDisparity.detached + expected,
      validity: validity, probabilities: p.detached)
  }
}
