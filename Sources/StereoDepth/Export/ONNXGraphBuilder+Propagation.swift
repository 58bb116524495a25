import StereoTensor

extension ONNXGraphBuilder {
  /// ``DisparityPropagation/handOn(_:own:other:side:threshold:window:)`` as standard operators.
  ///
  ///     b      = 2 · Resize×2(d)                                     (upsampledDisparity)
  ///     n_ij   = 2 · Resize×2 nearest(Slice_ij(Pad edge(d)))         i, j ∈ 0…2
  ///     c      = Concat(b, n_00 … n_22)                              [N, 10, H, W]
  ///     e_k    = ReduceSum_channels((own − warped(other, c_k))²)     (warped: GridSample)
  ///     cost_k = Conv of e_k with window×window ones, zero-padded (the box's sum)
  ///     out    = Where(ReduceMax(n) − ReduceMin(n) > threshold,
  ///                    GatherElements(c, ArgMin(Max(cost, costFloor))), b)
  ///
  /// `[N, 1, h, w]`, `[N, C, 2h, 2w]` twice → `[N, 1, 2h, 2w]`.
  mutating func propagatedDisparity(
    _ disparity: String, own: String, other: String, side: StereoSide, prefix: String
  ) -> String {
    let bilinear = upsampledDisparity(disparity, prefix: "\(prefix).bilinear")
    let pads = constant("\(prefix).pads", integers: [0, 0, 1, 1, 0, 0, 1, 1])
    let padded = node(
      "Pad", [disparity, pads], attributes: [ONNXAttribute("mode", .string("edge"))],
      prefix: prefix)
    let two = constant("\(prefix).two", shape: [], floats: [2])
    let scales = constant("\(prefix).scales", shape: [4], floats: [1, 1, 2, 2])
    let axes = constant("\(prefix).axes", integers: [2, 3])
    var candidates = [bilinear]
    for i in 0..<3 {
      for j in 0..<3 {
        let name = "\(prefix).n\(i)\(j)"
        // Rows i…i+h−1 and columns j…j+w−1 of the padded map (ends counted from its end).
        func end(_ start: Int) -> Int64 { start == 2 ? Int64.max : Int64(start - 2) }
        let starts = constant("\(name).starts", integers: [Int64(i), Int64(j)])
        let ends = constant("\(name).ends", integers: [end(i), end(j)])
        let neighbour = node("Slice", [padded, starts, ends, axes], prefix: name)
        let nearest = node(
          "Resize", [neighbour, "", scales],
          attributes: [
            ONNXAttribute("mode", .string("nearest")),
            ONNXAttribute("coordinate_transformation_mode", .string("asymmetric")),
            ONNXAttribute("nearest_mode", .string("floor")),
          ], prefix: name)
        candidates.append(mul(nearest, two, prefix: name))
      }
    }
    let neighbours = concatChannels(Array(candidates.dropFirst()), prefix: "\(prefix).neighbours")
    let all = concatChannels([bilinear, neighbours], prefix: "\(prefix).candidates")
    let reduced = [ONNXAttribute("axes", .ints([1])), ONNXAttribute("keepdims", .int(1))]
    let span = node(
      "Sub",
      [
        node("ReduceMax", [neighbours], attributes: reduced, prefix: "\(prefix).high"),
        node("ReduceMin", [neighbours], attributes: reduced, prefix: "\(prefix).low"),
      ], prefix: "\(prefix).span")
    let reach = DisparityPropagation.window / 2
    let window = DisparityPropagation.window
    let ones = constant(
      "\(prefix).box", shape: [1, 1, window, window],
      floats: [Float](repeating: 1, count: window * window))
    let channelAxis = constant("\(prefix).channel", integers: [1])
    var costs: [String] = []
    for (k, candidate) in candidates.enumerated() {
      let name = "\(prefix).cost\(k)"
      let difference = node(
        "Sub",
        [own, warped(other, by: candidate, side: side, prefix: "\(name).warp", clamped: true)],
        prefix: name)
      let error = node(
        "ReduceSum", [mul(difference, difference, prefix: name), channelAxis],
        attributes: [ONNXAttribute("keepdims", .int(1))], prefix: name)
      costs.append(
        conv(error, weight: ones, bias: nil, kernel: window, padding: reach, prefix: name))
    }
    let floor = constant(
      "\(prefix).floor", shape: [], floats: [DisparityPropagation.costFloor])
    let floored = node(
      "Max", [concatChannels(costs, prefix: "\(prefix).costs"), floor], prefix: prefix)
    let best = node(
      "ArgMin", [floored],
      attributes: [
        ONNXAttribute("axis", .int(1)), ONNXAttribute("keepdims", .int(1)),
        ONNXAttribute("select_last_index", .int(0)),
      ], prefix: prefix)
    let chosen = node(
      "GatherElements", [all, best], attributes: [ONNXAttribute("axis", .int(1))], prefix: prefix)
    let threshold = constant(
      "\(prefix).threshold", shape: [], floats: [DisparityPropagation.threshold])
    let marked = node("Greater", [span, threshold], prefix: prefix)
    return node("Where", [marked, chosen, bilinear], prefix: prefix)
  }
}
