import StereoTensor

/// The coarse-to-fine operations of ``MatchingWNet`` as standard ONNX operators (opset 17), NCHW.
extension ONNXGraphBuilder {
  /// `t` shifted along the width by `s` columns with zeros coming in: `out(x) = t(x − s)`, by
  /// `Pad` then `Slice` (so any width works, including one smaller than `|s|`).
  mutating func shiftedColumns(_ t: String, by s: Int, prefix: String) -> String {
    guard s != 0 else { return t }
    let (before, after) = s > 0 ? (Int64(s), Int64(0)) : (Int64(0), Int64(-s))
    let pads = constant("\(prefix).pads", integers: [0, 0, 0, before, 0, 0, 0, after])
    let padded = node("Pad", [t, pads], prefix: prefix)
    let starts = constant("\(prefix).starts", integers: [s > 0 ? 0 : Int64(-s)])
    let ends = constant("\(prefix).ends", integers: [s > 0 ? Int64(-s) : Int64.max])
    let axes = constant("\(prefix).axes", integers: [3])
    return node("Slice", [padded, starts, ends, axes], prefix: prefix)
  }

  /// `x / Sqrt(ReduceMean_channels(x·x) + ε)`, as ``StereoTensor/Tensor/rmsNormalized(_:epsilon:)``:
  /// `[N, C, H, W]` → `[N, C, H, W]`.
  mutating func rmsNormalized(_ x: String, epsilon: Float, prefix: String) -> String {
    let square = mul(x, x, prefix: "\(prefix).square")
    let meanSquare = node(
      "ReduceMean", [square],
      attributes: [ONNXAttribute("axes", .ints([1])), ONNXAttribute("keepdims", .int(1))],
      prefix: prefix)
    let shifted = add(
      meanSquare, constant("\(prefix).epsilon", shape: [], floats: [epsilon]), prefix: prefix)
    return node("Div", [x, node("Sqrt", [shifted], prefix: prefix)], prefix: prefix)
  }

  /// The correlation volume, as
  /// ``StereoTensor/Tensor/correlation(left:right:minimumDisparity:candidateCount:view:)``:
  /// per candidate `d_k`, the other view shifted by `Pad`/`Slice`, `Mul`, `ReduceMean` over the
  /// channels, then `Concat`: `[N, C, H, W]` twice → `[N, D, H, W]`.
  mutating func correlation(
    left: String, right: String, minimumDisparity: Int, candidateCount: Int,
    view: CorrelationView, prefix: String
  ) -> String {
    var planes: [String] = []
    for k in 0..<candidateCount {
      let d = minimumDisparity + k
      let name = "\(prefix).\(k)"
      // Left view: ⟨L(x), R(x − d)⟩; right view: ⟨R(x), L(x + d)⟩.
      let (reference, shifted) =
        view == .left
        ? (left, shiftedColumns(right, by: d, prefix: name))
        : (right, shiftedColumns(left, by: -d, prefix: name))
      let product = mul(reference, shifted, prefix: name)
      planes.append(
        node(
          "ReduceMean", [product],
          attributes: [ONNXAttribute("axes", .ints([1])), ONNXAttribute("keepdims", .int(1))],
          prefix: name))
    }
    return planes.count == 1 ? planes[0] : concatChannels(planes, prefix: prefix)
  }

  /// `Σ_k softmax(logits)_k · (minimumDisparity + k)` (+ `base`): `[N, K, H, W]` → `[N, 1, H, W]`.
  mutating func expectedDisparity(
    _ logits: String, minimumDisparity: Int, candidateCount k: Int, base: String?, prefix: String,
    output: String? = nil
  ) -> String {
    let probabilities = softmaxChannels(logits, prefix: prefix)
    let candidates = constant(
      "\(prefix).candidates", shape: [1, k, 1, 1],
      floats: (0..<k).map { Float(minimumDisparity + $0) })
    let weighted = mul(probabilities, candidates, prefix: prefix)
    guard let base else { return sumChannels(weighted, prefix: prefix, output: output) }
    return node(
      "Add", [sumChannels(weighted, prefix: prefix), base], prefix: prefix, output: output)
  }

  /// The expectation over the argmax candidate `k*` and its neighbours within `radius`:
  /// `e = Exp(logits − ReduceMax)`, `m_k = [|k − ArgMax| < radius + ½]` (the first maximum, as
  /// ``DisparityConfidence/localExpectedDisparity(logits:minimumDisparity:radius:base:)``),
  /// `Σ m·e·(minimumDisparity + k) / Σ m·e` (`+ base`): `[N, K, H, W]` (and `[N, 1, H, W]`) →
  /// `[N, 1, H, W]`.
  mutating func localExpectedDisparity(
    _ logits: String, minimumDisparity: Int, candidateCount k: Int, radius: Int, base: String?,
    prefix: String
  ) -> String {
    let peak = node(
      "ReduceMax", [logits],
      attributes: [ONNXAttribute("axes", .ints([1])), ONNXAttribute("keepdims", .int(1))],
      prefix: prefix)
    let e = node("Exp", [node("Sub", [logits, peak], prefix: prefix)], prefix: prefix)
    let argmax = node(
      "ArgMax", [logits],
      attributes: [
        ONNXAttribute("axis", .int(1)), ONNXAttribute("keepdims", .int(1)),
        ONNXAttribute("select_last_index", .int(0)),
      ], prefix: prefix)
    let best = node(
      "Cast", [argmax], attributes: [ONNXAttribute("to", .int(1))], prefix: prefix)
    let indices = constant(
      "\(prefix).indices", shape: [1, k, 1, 1], floats: (0..<k).map { Float($0) })
    let distance = node("Abs", [node("Sub", [indices, best], prefix: prefix)], prefix: prefix)
    let limit = constant("\(prefix).limit", shape: [], floats: [Float(radius) + 0.5])
    let inside = node(
      "Cast", [node("Less", [distance, limit], prefix: prefix)],
      attributes: [ONNXAttribute("to", .int(1))], prefix: prefix)
    let weights = mul(e, inside, prefix: prefix)
    let candidates = constant(
      "\(prefix).candidates", shape: [1, k, 1, 1],
      floats: (0..<k).map { Float(minimumDisparity + $0) })
    let numerator = sumChannels(mul(weights, candidates, prefix: prefix), prefix: prefix)
    let local = node("Div", [numerator, sumChannels(weights, prefix: prefix)], prefix: prefix)
    guard let base else { return local }
    return node("Add", [local, base], prefix: prefix)
  }

  /// `2 · Resize×2(d)` (linear, half-pixel centres): `[N, 1, H, W]` → `[N, 1, 2H, 2W]`.
  mutating func upsampledDisparity(_ disparity: String, prefix: String) -> String {
    let two = constant("\(prefix).two", shape: [], floats: [2])
    return mul(upsample2x(disparity, prefix: prefix), two, prefix: prefix)
  }

  /// `features(y, x + σ·d(x))`, linear along the row, edge replicated: `GridSample` (bilinear,
  /// `padding_mode = border`, `align_corners = 1`, so the normalised `g = 2x/(W − 1) − 1` maps
  /// back to column `x` exactly and out-of-range positions clamp to the edge, as
  /// ``OffsetSelection`` does), on a grid built from the shape of `d`:
  ///
  ///     g_x = 2·(x + σ·d)/max(W − 1, 1) − 1,   g_y = 2·y/max(H − 1, 1) − 1
  ///
  /// `[N, C, H, W]`, `[N, 1, H, W]` → `[N, C, H, W]`. With `clamped`, the column `x + σ·d` is
  /// clipped to `[0, W − 1]` first, so that a position outside the view samples the edge column
  /// exactly (GridSample's own border handling may mix the edge column with itself, which
  /// rounds): the propagation compares such samples.
  mutating func warped(
    _ features: String, by disparity: String, side: StereoSide, prefix: String,
    clamped: Bool = false
  ) -> String {
    let shape = node("Shape", [disparity], prefix: prefix)
    func extent(_ axis: Int64, _ name: String) -> String {
      let index = constant("\(prefix).\(name).index", integers: [axis], shape: [])
      let size = node("Gather", [shape, index], prefix: "\(prefix).\(name)")
      return node(
        "Cast", [size], attributes: [ONNXAttribute("to", .int(1))], prefix: "\(prefix).\(name)")
    }
    let (zero, one, two) = (
      constant("\(prefix).zero", shape: [], floats: [0]),
      constant("\(prefix).one", shape: [], floats: [1]),
      constant("\(prefix).two", shape: [], floats: [2])
    )
    func normalised(_ coordinates: String, extent: String, name: String) -> String {
      let last = node("Sub", [extent, one], prefix: "\(prefix).\(name)")
      let denominator = node("Max", [last, one], prefix: "\(prefix).\(name)")
      let scaled = node(
        "Div", [mul(coordinates, two, prefix: "\(prefix).\(name)"), denominator],
        prefix: "\(prefix).\(name)")
      return node("Sub", [scaled, one], prefix: "\(prefix).\(name)")
    }
    // Columns: x + σ·d, [N, 1, H, W].
    let width = extent(3, "width")
    let columns = node("Range", [zero, width, one], prefix: "\(prefix).x")
    let rowShape = constant("\(prefix).x.shape", integers: [1, 1, 1, -1])
    let x = node("Reshape", [columns, rowShape], prefix: "\(prefix).x")
    let sigma = constant("\(prefix).sigma", shape: [], floats: [Float(side.direction)])
    var sourceX = add(x, mul(disparity, sigma, prefix: "\(prefix).x"), prefix: "\(prefix).x")
    if clamped {
      let last = node("Sub", [width, one], prefix: "\(prefix).last")
      sourceX = node(
        "Min", [node("Max", [sourceX, zero], prefix: "\(prefix).clip"), last],
        prefix: "\(prefix).clip")
    }
    let gx = normalised(sourceX, extent: width, name: "gx")
    // Rows: y, broadcast to [N, 1, H, W] by adding 0·d.
    let height = extent(2, "height")
    let rows = node("Range", [zero, height, one], prefix: "\(prefix).y")
    let columnShape = constant("\(prefix).y.shape", integers: [1, 1, -1, 1])
    let y = node("Reshape", [rows, columnShape], prefix: "\(prefix).y")
    let gy = add(
      normalised(y, extent: height, name: "gy"), mul(disparity, zero, prefix: "\(prefix).y"),
      prefix: "\(prefix).y")
    let grid = node(
      "Transpose", [concatChannels([gx, gy], prefix: "\(prefix).grid")],
      attributes: [ONNXAttribute("perm", .ints([0, 2, 3, 1]))], prefix: "\(prefix).grid")
    return node(
      "GridSample", [features, grid],
      attributes: [
        ONNXAttribute("mode", .string("bilinear")),
        ONNXAttribute("padding_mode", .string("border")),
        ONNXAttribute("align_corners", .int(1)),
      ], prefix: prefix)
  }
}
