import Foundation

extension ReferenceBackend {
  public func batchNormTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    -> (output: Tensor, mean: Tensor, variance: Tensor)
  {
    let c = input.shape[3]
    let x = input.scalars
    let perChannel = x.count / c
    var mean = [Double](repeating: 0, count: c)
    var variance = [Double](repeating: 0, count: c)
    for (index, value) in x.enumerated() { mean[index % c] += Double(value) }
    for k in 0..<c { mean[k] /= Double(perChannel) }
    for (index, value) in x.enumerated() {
      let d = Double(value) - mean[index % c]
      variance[index % c] += d * d
    }
    for k in 0..<c { variance[k] /= Double(perChannel) }
    let meanTensor = Tensor(shape: [c], scalars: mean.map(Float.init))
    let varianceTensor = Tensor(shape: [c], scalars: variance.map(Float.init))
    let output = batchNormInference(
      input, scale: scale, shift: shift, mean: meanTensor, variance: varianceTensor,
      epsilon: epsilon)
    return (output, meanTensor, varianceTensor)
  }

  public func batchNormInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor {
    let c = input.shape[3]
    let (gamma, beta, mu, sigma2) = (scale.scalars, shift.scalars, mean.scalars, variance.scalars)
    let y = input.scalars.enumerated().map { index, value -> Float in
      let k = index % c
      let normalized =
        (Double(value) - Double(mu[k])) / (Double(sigma2[k]) + Double(epsilon)).squareRoot()
      return Float(Double(gamma[k]) * normalized + Double(beta[k]))
    }
    return Tensor(shape: input.shape, scalars: y)
  }

  /// With `x̂ = (x − μ)/√(σ² + ε)` and `m` values per channel:
  /// `dβ = Σ g`, `dγ = Σ g·x̂`, `dx = γ/√(σ² + ε) · (g − dβ/m − x̂·dγ/m)`.
  public func batchNormBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    let c = input.shape[3]
    let x = input.scalars, g = outputGradient.scalars
    let (gamma, mu, sigma2) = (scale.scalars, mean.scalars, variance.scalars)
    let m = Double(x.count / c)
    let inverse = (0..<c).map { 1 / (Double(sigma2[$0]) + Double(epsilon)).squareRoot() }
    var dBeta = [Double](repeating: 0, count: c)
    var dGamma = [Double](repeating: 0, count: c)
    for index in x.indices {
      let k = index % c
      let normalized = (Double(x[index]) - Double(mu[k])) * inverse[k]
      dBeta[k] += Double(g[index])
      dGamma[k] += Double(g[index]) * normalized
    }
    let dx = x.indices.map { index -> Float in
      let k = index % c
      let normalized = (Double(x[index]) - Double(mu[k])) * inverse[k]
      return Float(
        Double(gamma[k]) * inverse[k]
          * (Double(g[index]) - dBeta[k] / m - normalized * dGamma[k] / m))
    }
    return (
      Tensor(shape: input.shape, scalars: dx),
      Tensor(shape: [c], scalars: dGamma.map(Float.init)),
      Tensor(shape: [c], scalars: dBeta.map(Float.init))
    )
  }

  public func batchNormReLUTraining(_ input: Tensor, scale: Tensor, shift: Tensor, epsilon: Float)
    -> (output: Tensor, mean: Tensor, variance: Tensor, workspace: Tensor?)
  {
    let (normalized, mean, variance) = batchNormTraining(
      input, scale: scale, shift: shift, epsilon: epsilon)
    return (activation(.relu, normalized), mean, variance, nil)
  }

  /// Recomputes the batch-norm output to find where the ReLU passed the gradient.
  public func batchNormReLUBackward(
    _ outputGradient: Tensor, input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor,
    variance: Tensor, workspace: Tensor?, epsilon: Float
  ) -> (input: Tensor, scale: Tensor, shift: Tensor) {
    let normalized = batchNormInference(
      input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon)
    let masked = activationBackward(.relu, outputGradient, output: activation(.relu, normalized))
    return batchNormBackward(
      masked, input: input, scale: scale, shift: shift, mean: mean, variance: variance,
      epsilon: epsilon)
  }

  public func batchNormReLUInference(
    _ input: Tensor, scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Float
  ) -> Tensor {
    activation(
      .relu,
      batchNormInference(
        input, scale: scale, shift: shift, mean: mean, variance: variance, epsilon: epsilon))
  }

  public func activation(_ activation: Activation, _ input: Tensor) -> Tensor {
    let y = input.scalars.map { x -> Float in
      switch activation {
      case .relu: return x > 0 ? x : 0
      case .elu: return x > 0 ? x : Float(Foundation.exp(Double(x)) - 1)
      }
    }
    return Tensor(shape: input.shape, scalars: y)
  }

  public func activationBackward(_ activation: Activation, _ outputGradient: Tensor, output: Tensor)
    -> Tensor
  {
    let dx = zip(outputGradient.scalars, output.scalars).map { g, y -> Float in
      switch activation {
      case .relu: return y > 0 ? g : 0
      case .elu: return y > 0 ? g : g * (y + 1)
      }
    }
    return Tensor(shape: output.shape, scalars: dx)
  }

  public func softmax(_ input: Tensor) -> Tensor {
    let d = input.shape.last!
    let x = input.scalars
    var y = [Float](repeating: 0, count: x.count)
    for row in 0..<(d == 0 ? 0 : x.count / d) {
      let values = x[(row * d)..<(row * d + d)]
      let peak = values.max()!
      let exps = values.map { Foundation.exp(Double($0 - peak)) }
      let total = exps.reduce(0, +)
      for k in 0..<d { y[row * d + k] = Float(exps[k] / total) }
    }
    return Tensor(shape: input.shape, scalars: y)
  }

  public func softmaxBackward(_ outputGradient: Tensor, output: Tensor) -> Tensor {
    let d = output.shape.last!
    let y = output.scalars, g = outputGradient.scalars
    var dx = [Float](repeating: 0, count: y.count)
    for row in 0..<(d == 0 ? 0 : y.count / d) {
      var dot = 0.0
      for k in 0..<d { dot += Double(g[row * d + k]) * Double(y[row * d + k]) }
      for k in 0..<d {
        dx[row * d + k] = Float(Double(y[row * d + k]) * (Double(g[row * d + k]) - dot))
      }
    }
    return Tensor(shape: output.shape, scalars: dx)
  }
}
