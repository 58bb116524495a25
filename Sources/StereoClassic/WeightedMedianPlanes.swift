internal import CStereoKernels
import StereoData
import StereoTensor

extension WeightedMedianFilter {
  /// The filter's inputs laid out for its kernels: planes padded by `r` columns on each side, so
  /// that a vote beyond the left or right edge reads an unknown bin.
  struct Planes: Sendable {
    let width: Int
    let height: Int
    let radius: Int
    /// `W + 2r`: the padded planes' row length; pixel `(v, u)` is at `v·stride + r + u`.
    var stride: Int { width + 2 * radius }
    /// `[3, H, stride]`: red, green and blue in 0…255 (the guide to 8 bits, `⌊255·v + ½⌋`), and
    /// ``WeightedMedianFilter/poison`` for unknown pixels and the padding.
    let colours: [Float]
    /// `[H, stride]`: `⌊d + ½⌋` clamped to 0…``WeightedMedianFilter/maximumBin``, −1 where
    /// unknown and in the padding.
    let bins: [Float]
    /// `[H, W]`: the map.
    let disparity: [Float]
    /// One more than the largest bin (0 when no pixel is known).
    let binCount: Int

    /// - Parameters:
    ///   - disparity: `[H, W, 1]`.
    ///   - guide: `[H, W, 1 or 3]` in [0, 1].
    ///   - radius: `r`, the padding.
    ///   - vectorized: through `wnet_weighted_median_planes` (the same values) or in Swift.
    init(disparity: Image, guide: Image, radius: Int, vectorized: Bool) {
      let (width, height, channels) = (disparity.width, disparity.height, guide.channels)
      let stride = width + 2 * radius
      let poison = WeightedMedianFilter.poison
      var largest = [Float](repeating: -1, count: height)
      var bins = [Float]()
      // Every value is written row by row below: no fill first (the planes are about 17 bytes
      // per pixel, written on every frame).
      let colours = [Float](unsafeUninitializedCapacity: 3 * height * stride) { colours, count in
        bins = [Float](unsafeUninitializedCapacity: height * stride) { bins, binCount in
          largest.withUnsafeMutableBufferPointer { largest in
            let shared = UncheckedSendable((colours, bins, largest))
            Parallel.forEachRange(height, minimumChunk: 8) { rows in
              let (colours, bins, largest) = shared.value
              for y in rows {
                if vectorized {
                  largest[y] = wnet_weighted_median_planes(
                    guide.pixels, Int32(channels), disparity.pixels, Int32(width),
                    Int32(height), Int32(radius), Int32(y), poison, colours.baseAddress!,
                    bins.baseAddress!)
                  continue
                }
                for u in 0..<radius {
                  for c in 0..<3 {
                    colours[c * height * stride + y * stride + u] = poison
                    colours[c * height * stride + y * stride + radius + width + u] = poison
                  }
                  (bins[y * stride + u], bins[y * stride + radius + width + u]) = (-1, -1)
                }
                for x in 0..<width {
                  let (pixel, padded) = (y * width + x, y * stride + radius + x)
                  for c in 0..<3 {
                    let value = guide.pixels[pixel * channels + (channels == 3 ? c : 0)]
                    colours[c * height * stride + padded] = min(
                      max((value * 255 + 0.5).rounded(.down), 0), 255)
                  }
                  let d = disparity.pixels[pixel]
                  guard d.isFinite else {
                    for c in 0..<3 { colours[c * height * stride + padded] = poison }
                    bins[padded] = -1
                    continue
                  }
                  let bin = WeightedMedianFilter.bin(d)
                  bins[padded] = bin
                  largest[y] = max(largest[y], bin)
                }
              }
            }
          }
          binCount = height * stride
        }
        count = 3 * height * stride
      }
      (self.width, self.height, self.radius) = (width, height, radius)
      (self.colours, self.bins, self.disparity) = (colours, bins, disparity.pixels)
      binCount = Int(largest.max() ?? -1) + 1
    }

    /// Each pixel's smallest and largest known bin among its votes (every `step`-th row and
    /// column of its `(2r+1)²` window; `+∞` and −1 where none is known), `[H, W]` each: along the
    /// rows, then down the columns.
    func voteExtremes(step: Int, vectorized: Bool) -> (lowest: [Float], highest: [Float]) {
      let (width, height, radius, stride) = (width, height, radius, stride)
      let reach = radius / step
      // Every value is written below: no fill first.
      func unfilled() -> [Float] {
        [Float](unsafeUninitializedCapacity: height * width) { $1 = height * width }
      }
      var rows = (lowest: unfilled(), highest: unfilled())
      var window = (lowest: unfilled(), highest: unfilled())
      rows.lowest.withUnsafeMutableBufferPointer { lowest in
        rows.highest.withUnsafeMutableBufferPointer { highest in
          let shared = UncheckedSendable((lowest, highest))
          bins.withUnsafeBufferPointer { bins in
            let bins = UncheckedSendable(bins)
            Parallel.forEachRange(height, minimumChunk: 8) { range in
              let ((lowest, highest), bins) = (shared.value, bins.value)
              for y in range {
                let (row, out) = (bins.baseAddress! + y * stride, y * width)
                if vectorized {
                  wnet_row_extremes(
                    row, Int32(width), Int32(radius), Int32(step), lowest.baseAddress! + out,
                    highest.baseAddress! + out)
                  continue
                }
                for x in 0..<width {
                  var (low, high) = (Float.infinity, Float(-1))
                  for j in -reach...reach {
                    let b = row[radius + x + j * step]
                    if b >= 0 && b < low { low = b }
                    if b > high { high = b }
                  }
                  (lowest[out + x], highest[out + x]) = (low, high)
                }
              }
            }
          }
        }
      }
      window.lowest.withUnsafeMutableBufferPointer { lowest in
        window.highest.withUnsafeMutableBufferPointer { highest in
          let shared = UncheckedSendable((lowest, highest))
          rows.lowest.withUnsafeBufferPointer { rowLowest in
            rows.highest.withUnsafeBufferPointer { rowHighest in
              let source = UncheckedSendable((rowLowest, rowHighest))
              Parallel.forEachRange(height, minimumChunk: 8) { range in
                let ((lowest, highest), (rowLowest, rowHighest)) = (shared.value, source.value)
                for y in range {
                  if vectorized {
                    wnet_column_extremes(
                      rowLowest.baseAddress!, rowHighest.baseAddress!, Int32(width),
                      Int32(height), Int32(y), Int32(radius), Int32(step),
                      lowest.baseAddress! + y * width,
                      highest.baseAddress! + y * width)
                    continue
                  }
                  for x in 0..<width {
                    var (low, high) = (Float.infinity, Float(-1))
                    for i in -reach...reach where (0..<height).contains(y + i * step) {
                      let v = y + i * step
                      low = min(low, rowLowest[v * width + x])
                      high = max(high, rowHighest[v * width + x])
                    }
                    (lowest[y * width + x], highest[y * width + x]) = (low, high)
                  }
                }
              }
            }
          }
        }
      }
      return window
    }

    /// Row `y` through `wnet_weighted_median_row`; returns how many pixels moved. `sums`, if
    /// given (`3·W`), receives each filtered pixel's `total`, `below` and `upto`.
    func kernelRow(
      _ y: Int, filter: WeightedMedianFilter, lanes: Int, lowest: [Float], highest: [Float],
      negativeScale: Float, histogram: inout [Float], weights: inout [Float],
      output: UnsafeMutableBufferPointer<Float>, sums: UnsafeMutablePointer<Float>? = nil
    ) -> Int {
      Int(
        wnet_weighted_median_row(
          colours, bins, lowest, highest, disparity, Int32(width), Int32(height), Int32(y),
          Int32(radius), Int32(filter.step), filter.tolerance, Float(filter.edgeSpan),
          negativeScale,
          WeightedMedianFilter.WeightConstants.kernel, Int32(lanes), &histogram, &weights,
          output.baseAddress!, sums))
    }

    /// Row `y` in Swift, the C kernel's operations in its order (its oracle); returns how many
    /// pixels moved, and fills `sums` as ``kernelRow(_:filter:lanes:lowest:highest:negativeScale:histogram:weights:output:sums:)``.
    func swiftRow(
      _ y: Int, filter: WeightedMedianFilter, lowest: [Float], highest: [Float],
      negativeScale: Float, histogram: inout [Float], output: UnsafeMutableBufferPointer<Float>,
      sums: UnsafeMutablePointer<Float>? = nil
    ) -> Int {
      let (step, tolerance, plane) = (filter.step, filter.tolerance, height * stride)
      let reach = radius / step
      func weight(_ centre: Int, _ other: Int) -> Float {
        let dr = colours[other] - colours[centre]
        let dg = colours[plane + other] - colours[plane + centre]
        let db = colours[2 * plane + other] - colours[2 * plane + centre]
        return WeightedMedianFilter.weight((dr * dr + dg * dg + db * db) * negativeScale)
      }
      // The votes' padded indices, in scan order.
      func votes(_ centre: Int, _ body: (Int, Float) -> Void) {
        for i in -reach...reach where (0..<height).contains(y + i * step) {
          for j in -reach...reach {
            let other = centre + i * step * stride + j * step
            if bins[other] >= 0 { body(other, bins[other]) }
          }
        }
      }
      var moved = 0
      for x in 0..<width {
        let (d, index) = (disparity[y * width + x], y * width + x)
        guard d.isFinite, !(d - lowest[index] <= tolerance && highest[index] - d <= tolerance),
          highest[index] - lowest[index] >= Float(filter.edgeSpan)
        else { continue }
        let (lowerBin, upperBin) = ((d - tolerance).rounded(.up), (d + tolerance).rounded(.down))
        let centre = y * stride + radius + x
        var (total, below, upto): (Float, Float, Float) = (0, 0, 0)
        votes(centre) { other, bin in
          let w = weight(centre, other)
          total += w
          if bin < lowerBin { below += w }
          if bin <= upperBin { upto += w }
        }
        if let sums { (sums[3 * x], sums[3 * x + 1], sums[3 * x + 2]) = (total, below, upto) }
        let half = total / 2
        let down = below >= half
        guard down || upto < half else { continue }
        votes(centre) { other, bin in
          if down ? bin < lowerBin : bin > upperBin {
            histogram[Int(bin)] += weight(centre, other)
          }
        }
        // The votes' bins lie in [lowest, highest], whatever d is (bins are clamped, d is not).
        let bins =
          down
          ? Int(lowest[index])...Int(min(lowerBin - 1, highest[index]))
          : Int(max(upperBin + 1, lowest[index]))...Int(highest[index])
        var (sum, median) = (down ? 0 : upto, Float(-1))
        for bin in bins {
          sum += histogram[bin]
          if median < 0 && sum >= half { median = Float(bin) }
          histogram[bin] = 0
        }
        if median >= 0 {
          output[x] = median
          moved += 1
        }
      }
      return moved
    }
  }
}
