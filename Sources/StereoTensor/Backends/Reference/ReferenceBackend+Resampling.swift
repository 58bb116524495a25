extension ReferenceBackend {
  public func maxPool2D(_ input: Tensor, size: Int) -> (output: Tensor, workspace: Tensor?) {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, ow) = (h / size, w / size)
    let x = input.scalars
    var y = [Float](repeating: 0, count: n * oh * ow * c)
    for ni in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for k in 0..<c {
            var best = -Float.infinity
            for dy in 0..<size {
              for dx in 0..<size {
                best = max(best, x[((ni * h + oy * size + dy) * w + ox * size + dx) * c + k])
              }
            }
            y[((ni * oh + oy) * ow + ox) * c + k] = best
          }
        }
      }
    }
    return (Tensor(shape: [n, oh, ow, c], scalars: y), nil)
  }

  public func maxPool2DBackward(
    _ outputGradient: Tensor, inputShape: [Int], input: Tensor?, workspace: Tensor?, size: Int
  ) -> Tensor {
    guard let input else {
      preconditionFailure("The reference max-pool backward needs the input of shape \(inputShape)")
    }
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, ow) = (outputGradient.shape[1], outputGradient.shape[2])
    let x = input.scalars, g = outputGradient.scalars
    var dx = [Float](repeating: 0, count: x.count)
    for ni in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for k in 0..<c {
            // The first maximum in row-major window order receives the gradient.
            var bestIndex = -1
            var best = -Float.infinity
            for dy in 0..<size {
              for dxi in 0..<size {
                let index = ((ni * h + oy * size + dy) * w + ox * size + dxi) * c + k
                if bestIndex < 0 || x[index] > best {
                  best = x[index]
                  bestIndex = index
                }
              }
            }
            dx[bestIndex] += g[((ni * oh + oy) * ow + ox) * c + k]
          }
        }
      }
    }
    return Tensor(shape: input.shape, scalars: dx)
  }

  /// The two source taps and their weights for output coordinate `o` of a half-pixel resize from
  /// `inExtent` to `outExtent`.
  static func bilinearTaps(_ o: Int, inExtent: Int, outExtent: Int) -> (Int, Int, Double) {
    let source = max((Double(o) + 0.5) * Double(inExtent) / Double(outExtent) - 0.5, 0)
    let low = min(Int(source), inExtent - 1)
    let high = min(low + 1, inExtent - 1)
    return (low, high, source - Double(low))
  }

  public func resizeBilinear(_ input: Tensor, height: Int, width: Int) -> Tensor {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let x = input.scalars
    var y = [Float](repeating: 0, count: n * height * width * c)
    for ni in 0..<n {
      for oy in 0..<height {
        let (y0, y1, fy) = Self.bilinearTaps(oy, inExtent: h, outExtent: height)
        for ox in 0..<width {
          let (x0, x1, fx) = Self.bilinearTaps(ox, inExtent: w, outExtent: width)
          for k in 0..<c {
            func at(_ yy: Int, _ xx: Int) -> Double { Double(x[((ni * h + yy) * w + xx) * c + k]) }
            let top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
            let bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
            y[((ni * height + oy) * width + ox) * c + k] = Float(top * (1 - fy) + bottom * fy)
          }
        }
      }
    }
    return Tensor(shape: [n, height, width, c], scalars: y)
  }

  public func resizeBilinearBackward(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor {
    let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (height, width) = (outputGradient.shape[1], outputGradient.shape[2])
    let g = outputGradient.scalars
    var dx = [Double](repeating: 0, count: n * h * w * c)
    for ni in 0..<n {
      for oy in 0..<height {
        let (y0, y1, fy) = Self.bilinearTaps(oy, inExtent: h, outExtent: height)
        for ox in 0..<width {
          let (x0, x1, fx) = Self.bilinearTaps(ox, inExtent: w, outExtent: width)
          for k in 0..<c {
            let value = Double(g[((ni * height + oy) * width + ox) * c + k])
            dx[((ni * h + y0) * w + x0) * c + k] += value * (1 - fy) * (1 - fx)
            dx[((ni * h + y0) * w + x1) * c + k] += value * (1 - fy) * fx
            dx[((ni * h + y1) * w + x0) * c + k] += value * fy * (1 - fx)
            dx[((ni * h + y1) * w + x1) * c + k] += value * fy * fx
          }
        }
      }
    }
    return Tensor(shape: inputShape, scalars: dx.map(Float.init))
  }
}
