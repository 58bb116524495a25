/// Concatenation, slicing, padding and broadcasting along any axis.
///
/// Channels of an `[N, H, W, C]` activation are axis 3 (or −1).
extension Tensor {
  func normalizedAxis(_ axis: Int, _ operation: String) -> Int {
    let normalized = axis < 0 ? axis + rank : axis
    precondition(
      normalized >= 0 && normalized < rank,
      "\(operation): axis \(axis) out of range for shape \(shape)")
    return normalized
  }

  /// Joins `tensors` along `axis`; every other extent must agree.
  public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
    let first = tensors[0]
    let normalized = first.normalizedAxis(axis, "concatenate")
    for tensor in tensors {
      precondition(
        tensor.rank == first.rank
          && zip(tensor.shape, first.shape).enumerated().allSatisfy {
            $0.offset == normalized || $0.element.0 == $0.element.1
          },
        "concatenate along axis \(normalized): shapes \(tensors.map(\.shape)) differ off that axis")
    }
    let result = Backends.current.concatenate(tensors, axis: normalized)
    let extents = tensors.map { $0.shape[normalized] }
    return record(result, inputs: tensors) { g in
      var start = 0
      return extents.map { extent in
        defer { start += extent }
        return Backends.current.slice(g, axis: normalized, range: start..<(start + extent))
      }
    }
  }

  /// The elements whose index along `axis` lies in `range`.
  public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
    let normalized = normalizedAxis(axis, "slice")
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[normalized],
      "slice \(range) out of bounds for axis \(normalized) of shape \(shape)")
    if range == 0..<shape[normalized] { return self }
    let result = Backends.current.slice(self, axis: normalized, range: range)
    let extent = shape[normalized]
    return Tensor.record(result, inputs: [self]) { g in
      [
        Backends.current.pad(
          g, axis: normalized, before: range.lowerBound, after: extent - range.upperBound,
          mode: .zero)
      ]
    }
  }

  /// Adds `before` and `after` elements along `axis`, zeros or copies of the edge.
  public func padded(axis: Int, before: Int, after: Int, mode: PaddingMode = .zero) -> Tensor {
    let normalized = normalizedAxis(axis, "pad")
    precondition(before >= 0 && after >= 0, "Padding \(before), \(after) must be non-negative")
    precondition(
      mode == .zero || shape[normalized] > 0,
      "Cannot replicate the edge of an empty axis in \(shape)")
    if before == 0 && after == 0 { return self }
    let result = Backends.current.pad(
      self, axis: normalized, before: before, after: after, mode: mode)
    return Tensor.record(result, inputs: [self]) { g in
      [Backends.current.padBackward(g, axis: normalized, before: before, after: after, mode: mode)]
    }
  }

  /// Repeats extent-1 axes (and adds leading axes) to reach `shape`.
  public func broadcast(to target: [Int]) -> Tensor {
    precondition(
      Tensor.broadcastShape(shape, target) == target, "Cannot broadcast \(shape) to \(target)")
    if shape == target { return self }
    let aligned = [Int](repeating: 1, count: target.count - rank) + shape
    let result = Backends.current.broadcast(reshaped(to: aligned).detached, to: target)
    let originalShape = shape
    return Tensor.record(result, inputs: [self]) { g in [g.unbroadcast(to: originalShape)] }
  }
}
