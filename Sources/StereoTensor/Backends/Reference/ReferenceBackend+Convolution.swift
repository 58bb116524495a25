extension ReferenceBackend {
  public func convolution2D(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry
  ) -> Tensor {
    let outShape = g.outputShape(input: input.shape, filter: filter.shape)
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, ow, o) = (outShape[1], outShape[2], outShape[3])
    let (kh, kw, cig) = (filter.shape[1], filter.shape[2], filter.shape[3])
    let cog = o / g.groups
    let x = input.scalars, wt = filter.scalars, b = bias?.scalars
    var y = [Float](repeating: 0, count: n * oh * ow * o)
    for ni in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for oc in 0..<o {
            let group = oc / cog
            var sum = Double(b?[oc] ?? 0)
            for ky in 0..<kh {
              let iy = oy * g.strideY - g.paddingTop + ky
              guard iy >= 0 && iy < h else { continue }
              for kx in 0..<kw {
                let ix = ox * g.strideX - g.paddingLeft + kx
                guard ix >= 0 && ix < w else { continue }
                for i in 0..<cig {
                  let xv = x[((ni * h + iy) * w + ix) * c + group * cig + i]
                  let wv = wt[((oc * kh + ky) * kw + kx) * cig + i]
                  sum += Double(xv) * Double(wv)
                }
              }
            }
            y[((ni * oh + oy) * ow + ox) * o + oc] = Float(sum)
          }
        }
      }
    }
    return Tensor(shape: outShape, scalars: y)
  }

  public func convolution2DInference(
    _ input: Tensor, filter: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
    activation: Activation?
  ) -> Tensor {
    let output = convolution2D(input, filter: filter, bias: bias, geometry: geometry)
    return activation.map { self.activation($0, output) } ?? output
  }

  public func convolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], geometry g: ConvolutionGeometry
  ) -> Tensor {
    let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (oh, ow, o) = (outputGradient.shape[1], outputGradient.shape[2], outputGradient.shape[3])
    let (kh, kw, cig) = (filter.shape[1], filter.shape[2], filter.shape[3])
    let cog = o / g.groups
    let dy = outputGradient.scalars, wt = filter.scalars
    var dx = [Double](repeating: 0, count: n * h * w * c)
    for ni in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for oc in 0..<o {
            let gradient = Double(dy[((ni * oh + oy) * ow + ox) * o + oc])
            let group = oc / cog
            for ky in 0..<kh {
              let iy = oy * g.strideY - g.paddingTop + ky
              guard iy >= 0 && iy < h else { continue }
              for kx in 0..<kw {
                let ix = ox * g.strideX - g.paddingLeft + kx
                guard ix >= 0 && ix < w else { continue }
                for i in 0..<cig {
                  dx[((ni * h + iy) * w + ix) * c + group * cig + i] +=
                    gradient * Double(wt[((oc * kh + ky) * kw + kx) * cig + i])
                }
              }
            }
          }
        }
      }
    }
    return Tensor(shape: inputShape, scalars: dx.map(Float.init))
  }

  public func convolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], geometry g: ConvolutionGeometry,
    includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?) {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (oh, ow, o) = (outputGradient.shape[1], outputGradient.shape[2], outputGradient.shape[3])
    let (kh, kw, cig) = (filterShape[1], filterShape[2], filterShape[3])
    let cog = o / g.groups
    let dy = outputGradient.scalars, x = input.scalars
    var dw = [Double](repeating: 0, count: Tensor.elementCount(of: filterShape))
    var db = [Double](repeating: 0, count: o)
    for ni in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for oc in 0..<o {
            let gradient = Double(dy[((ni * oh + oy) * ow + ox) * o + oc])
            db[oc] += gradient
            let group = oc / cog
            for ky in 0..<kh {
              let iy = oy * g.strideY - g.paddingTop + ky
              guard iy >= 0 && iy < h else { continue }
              for kx in 0..<kw {
                let ix = ox * g.strideX - g.paddingLeft + kx
                guard ix >= 0 && ix < w else { continue }
                for i in 0..<cig {
                  dw[((oc * kh + ky) * kw + kx) * cig + i] +=
                    gradient * Double(x[((ni * h + iy) * w + ix) * c + group * cig + i])
                }
              }
            }
          }
        }
      }
    }
    return (
      Tensor(shape: filterShape, scalars: dw.map(Float.init)),
      includeBias ? Tensor(shape: [o], scalars: db.map(Float.init)) : nil
    )
  }

  public func transposedConvolution2D(_ input: Tensor, filter: Tensor, bias: Tensor?, stride s: Int)
    -> Tensor
  {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (o, kh, kw) = (filter.shape[0], filter.shape[1], filter.shape[2])
    let (oh, ow) = ((h - 1) * s + kh, (w - 1) * s + kw)
    let x = input.scalars, wt = filter.scalars
    var y = [Double](repeating: 0, count: n * oh * ow * o)
    if let b = bias?.scalars {
      for index in y.indices { y[index] = Double(b[index % o]) }
    }
    for ni in 0..<n {
      for iy in 0..<h {
        for ix in 0..<w {
          for ky in 0..<kh {
            for kx in 0..<kw {
              let (oy, ox) = (iy * s + ky, ix * s + kx)
              for oc in 0..<o {
                var sum = 0.0
                for i in 0..<c {
                  sum +=
                    Double(x[((ni * h + iy) * w + ix) * c + i])
                    * Double(wt[((oc * kh + ky) * kw + kx) * c + i])
                }
                y[((ni * oh + oy) * ow + ox) * o + oc] += sum
              }
            }
          }
        }
      }
    }
    return Tensor(shape: [n, oh, ow, o], scalars: y.map(Float.init))
  }

  public func transposedConvolution2DBackwardInput(
    _ outputGradient: Tensor, filter: Tensor, inputShape: [Int], stride s: Int
  ) -> Tensor {
    let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let (o, kh, kw) = (filter.shape[0], filter.shape[1], filter.shape[2])
    let (oh, ow) = (outputGradient.shape[1], outputGradient.shape[2])
    let dy = outputGradient.scalars, wt = filter.scalars
    var dx = [Float](repeating: 0, count: n * h * w * c)
    for ni in 0..<n {
      for iy in 0..<h {
        for ix in 0..<w {
          for i in 0..<c {
            var sum = 0.0
            for ky in 0..<kh {
              for kx in 0..<kw {
                let (oy, ox) = (iy * s + ky, ix * s + kx)
                for oc in 0..<o {
                  sum +=
                    Double(dy[((ni * oh + oy) * ow + ox) * o + oc])
                    * Double(wt[((oc * kh + ky) * kw + kx) * c + i])
                }
              }
            }
            dx[((ni * h + iy) * w + ix) * c + i] = Float(sum)
          }
        }
      }
    }
    return Tensor(shape: inputShape, scalars: dx)
  }

  public func transposedConvolution2DBackwardFilter(
    _ outputGradient: Tensor, input: Tensor, filterShape: [Int], stride s: Int, includeBias: Bool
  ) -> (filter: Tensor, bias: Tensor?) {
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (o, kh, kw) = (filterShape[0], filterShape[1], filterShape[2])
    let (oh, ow) = (outputGradient.shape[1], outputGradient.shape[2])
    let dy = outputGradient.scalars, x = input.scalars
    var dw = [Double](repeating: 0, count: Tensor.elementCount(of: filterShape))
    for ni in 0..<n {
      for iy in 0..<h {
        for ix in 0..<w {
          for ky in 0..<kh {
            for kx in 0..<kw {
              let (oy, ox) = (iy * s + ky, ix * s + kx)
              for oc in 0..<o {
                let gradient = Double(dy[((ni * oh + oy) * ow + ox) * o + oc])
                for i in 0..<c {
                  dw[((oc * kh + ky) * kw + kx) * c + i] +=
                    gradient * Double(x[((ni * h + iy) * w + ix) * c + i])
                }
              }
            }
          }
        }
      }
    }
    var db = [Double](repeating: 0, count: o)
    if includeBias {
      for (index, value) in dy.enumerated() { db[index % o] += Double(value) }
    }
    return (
      Tensor(shape: filterShape, scalars: dw.map(Float.init)),
      includeBias ? Tensor(shape: [o], scalars: db.map(Float.init)) : nil
    )
  }
}
