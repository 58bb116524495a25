/// The backward pass of bilinear resizing with half-pixel centres, as a gather.
///
/// Forward, output `(oy, ox)` reads input rows `y0(oy), y1(oy)` with weights `1 − fy, fy`, and
/// columns likewise (``ReferenceBackend/bilinearTaps(_:inExtent:outExtent:)``). Backward scatters
/// each output gradient onto those four inputs. Scattering races between threads, so this kernel
/// turns it around: the output rows that touch input row `iy` form a short list, and
///
///     dx[n, iy, ix, c] = Σ_{(ox, wx) → ix} wx · Σ_{(oy, wy) → iy} wy · g[n, oy, ox, c]
///
/// is separable: first a weighted sum of whole output rows (contiguous `W_out·C` runs), then of
/// channel vectors along the row. Threads take `(n, iy)` rows; nothing is written twice.
extension Kernels {
  /// For each input index, the output indices that read it and their weights.
  struct BilinearContributions {
    /// `offsets[i]..<offsets[i + 1]` index `sources` and `weights` for input index `i`.
    var offsets: [Int]
    var sources: [Int]
    var weights: [Float]

    init(inExtent: Int, outExtent: Int) {
      var lists = [[(Int, Float)]](repeating: [], count: inExtent)
      for o in 0..<outExtent {
        let (low, high, fraction) = ReferenceBackend.bilinearTaps(
          o, inExtent: inExtent, outExtent: outExtent)
        lists[low].append((o, Float(1 - fraction)))
        lists[high].append((o, Float(fraction)))
      }
      offsets = [0]
      sources = []
      weights = []
      for list in lists {
        for (source, weight) in list where weight != 0 {
          sources.append(source)
          weights.append(weight)
        }
        offsets.append(sources.count)
      }
    }
  }

  /// The gradient of bilinear resizing to `outputGradient`'s extent, for an input of
  /// `inputShape` (`[N, H, W, C]`). The gradient's channels may be a prefix of wider pixels:
  /// `outputGradient` is `[N, H_out, W_out, C']` with `C' ≥ C`, and its first `C` channels are
  /// read (the up-sampled part of a concatenation).
  static func resizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor {
    let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (outH, outW, stride) = (
      outputGradient.shape[1], outputGradient.shape[2], outputGradient.shape[3]
    )
    let inputGradient = Tensor(uninitializedShape: inputShape)
    let rows = BilinearContributions(inExtent: h, outExtent: outH)
    let columns = BilinearContributions(inExtent: w, outExtent: outW)
    let g = outputGradient.unsafePointer, dx = inputGradient.unsafeMutablePointer
    let outRow = outW * c
    Parallel.forEachRange(n * h, minimumChunk: Swift.max(1, grain / Swift.max(outRow, 1))) {
      range in
      let summed = UnsafeMutablePointer<Float>.allocate(capacity: outRow)
      defer { summed.deallocate() }
      for task in range {
        let (image, iy) = (task / h, task % h)
        // Stage: the weighted sum of the output rows that read input row iy.
        summed.update(repeating: 0, count: outRow)
        for entry in rows.offsets[iy]..<rows.offsets[iy + 1] {
          let weight = rows.weights[entry]
          let source = g + (image * outH + rows.sources[entry]) * outW * stride
          if stride == c {
            for index in 0..<outRow { summed[index] += weight * source[index] }
          } else {
            for ox in 0..<outW {
              let (to, from) = (summed + ox * c, source + ox * stride)
              for channel in 0..<c { to[channel] += weight * from[channel] }
            }
          }
        }
        // Stage: along the row, the weighted sum of the output columns that read each ix.
        let destination = dx + (image * h + iy) * w * c
        for ix in 0..<w {
          let pixel = destination + ix * c
          pixel.update(repeating: 0, count: c)
          for entry in columns.offsets[ix]..<columns.offsets[ix + 1] {
            let weight = columns.weights[entry]
            let source = summed + columns.sources[entry] * c
            for channel in 0..<c { pixel[channel] += weight * source[channel] }
          }
        }
      }
    }
    return withExtendedLifetime(outputGradient) { inputGradient }
  }
}
