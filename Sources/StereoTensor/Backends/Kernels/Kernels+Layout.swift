/// Layout kernels: broadcasting, concatenation, slicing and padding along any axis.
///
/// Along an axis `a` of a row-major tensor, the elements split into `outer` (the product of the
/// extents before `a`) slabs, each `extent(a)·inner` contiguous floats, where `inner` is the
/// product of the extents after `a`. These kernels copy whole runs of `inner` floats or more.
extension Kernels {
  /// The products of the extents before and after `axis`.
  static func outerAndInner(_ shape: [Int], axis: Int) -> (outer: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
  }

  /// Repeats extent-1 axes of `input` (already of the output's rank) to `shape`.
  static func broadcast(_ input: Tensor, to shape: [Int]) -> Tensor {
    let output = Tensor(uninitializedShape: shape)
    guard output.count > 0 else { return output }
    let strided = collapse(
      extents: shape, strides: [broadcastStrides(input.shape, outputShape: shape)])
    let rank = strided.extents.count
    let inner = strided.extents[rank - 1]
    let innerStride = strided.strides[0][rank - 1]
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    let rows = output.count / inner
    Parallel.forEachRange(rows, minimumChunk: Swift.max(1, grain / inner)) { range in
      var offsets = [0]
      for row in range {
        rowOffsets(row, strided, into: &offsets)
        let (source, destination) = (x + offsets[0], y + row * inner)
        if innerStride == 0 {
          destination.update(repeating: source[0], count: inner)
        } else {
          copy(destination, source, count: inner)
        }
      }
    }
    return withExtendedLifetime(input) { output }
  }

  /// Joins `inputs` along `axis`.
  static func concatenate(_ inputs: [Tensor], axis: Int) -> Tensor {
    var outputShape = inputs[0].shape
    outputShape[axis] = inputs.reduce(0) { $0 + $1.shape[axis] }
    let output = Tensor(uninitializedShape: outputShape)
    let (outer, inner) = outerAndInner(outputShape, axis: axis)
    let slab = outputShape[axis] * inner
    let runs = inputs.map { $0.shape[axis] * inner }
    let sources = inputs.map(\.unsafePointer)
    let y = output.unsafeMutablePointer
    Parallel.forEachRange(outer, minimumChunk: Swift.max(1, grain / Swift.max(slab, 1))) { range in
      for slice in range {
        var destination = y + slice * slab
        for (source, run) in zip(sources, runs) {
          copy(destination, source + slice * run, count: run)
          destination += run
        }
      }
    }
    return withExtendedLifetime(inputs) { output }
  }

  /// The elements at `range` along `axis`.
  static func slice(_ input: Tensor, axis: Int, range: Range<Int>) -> Tensor {
    var outputShape = input.shape
    outputShape[axis] = range.count
    let output = Tensor(uninitializedShape: outputShape)
    let (outer, inner) = outerAndInner(input.shape, axis: axis)
    let (inputSlab, outputSlab) = (input.shape[axis] * inner, range.count * inner)
    let start = range.lowerBound * inner
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(outer, minimumChunk: Swift.max(1, grain / Swift.max(outputSlab, 1))) {
      slices in
      for slice in slices {
        copy(y + slice * outputSlab, x + slice * inputSlab + start, count: outputSlab)
      }
    }
    return withExtendedLifetime(input) { output }
  }

  /// Adds `before` and `after` elements along `axis`: zeros, or copies of the edge run.
  static func pad(_ input: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor
  {
    let extent = input.shape[axis]
    var outputShape = input.shape
    outputShape[axis] = extent + before + after
    let output = Tensor(uninitializedShape: outputShape)
    let (outer, inner) = outerAndInner(input.shape, axis: axis)
    let (inputSlab, outputSlab) = (extent * inner, outputShape[axis] * inner)
    let x = input.unsafePointer, y = output.unsafeMutablePointer
    Parallel.forEachRange(outer, minimumChunk: Swift.max(1, grain / Swift.max(outputSlab, 1))) {
      slices in
      for slice in slices {
        let source = x + slice * inputSlab, destination = y + slice * outputSlab
        let interior = destination + before * inner
        copy(interior, source, count: inputSlab)
        switch mode {
        case .zero:
          destination.update(repeating: 0, count: before * inner)
          (interior + inputSlab).update(repeating: 0, count: after * inner)
        case .replicate:
          for step in 0..<before { copy(destination + step * inner, source, count: inner) }
          let last = source + (extent - 1) * inner
          for step in 0..<after { copy(interior + inputSlab + step * inner, last, count: inner) }
        }
      }
    }
    return withExtendedLifetime(input) { output }
  }

  /// The gradient of ``pad(_:axis:before:after:mode:)``: the interior, plus for `.replicate` the
  /// padded gradients summed onto the edge runs.
  static func padBackward(
    _ outputGradient: Tensor, axis: Int, before: Int, after: Int, mode: PaddingMode
  ) -> Tensor {
    let paddedExtent = outputGradient.shape[axis]
    let extent = paddedExtent - before - after
    if mode == .zero { return slice(outputGradient, axis: axis, range: before..<(before + extent)) }
    var inputShape = outputGradient.shape
    inputShape[axis] = extent
    let inputGradient = Tensor(uninitializedShape: inputShape)
    let (outer, inner) = outerAndInner(inputShape, axis: axis)
    let (inputSlab, outputSlab) = (extent * inner, paddedExtent * inner)
    let g = outputGradient.unsafePointer, dx = inputGradient.unsafeMutablePointer
    Parallel.forEachRange(outer, minimumChunk: Swift.max(1, grain / Swift.max(outputSlab, 1))) {
      slices in
      for slice in slices {
        let source = g + slice * outputSlab, destination = dx + slice * inputSlab
        copy(destination, source + before * inner, count: inputSlab)
        let first = destination, last = destination + (extent - 1) * inner
        for step in 0..<before {
          let padded = source + step * inner
          for index in 0..<inner { first[index] += padded[index] }
        }
        for step in 0..<after {
          let padded = source + (before + extent + step) * inner
          for index in 0..<inner { last[index] += padded[index] }
        }
      }
    }
    return withExtendedLifetime(outputGradient) { inputGradient }
  }
}
