import Foundation
import StereoTensor

/// The median time of one direction of one operation.
public struct OperationTiming: Codable, Sendable, Equatable {
  /// The operation, e.g. `conv3x3`.
  public var operation: String
  /// `forward`, `backward-data`, `backward-weights`, `backward`, or `total` (the sum of the
  /// others' medians).
  public var direction: String
  /// The input and output shapes, in words.
  public var shape: String
  /// The median over the timed runs, in milliseconds.
  public var milliseconds: Double
  /// The fastest timed run, in milliseconds.
  public var minimumMilliseconds: Double
}

/// Times each primitive at W-net's sizes, forward and backward separately.
///
/// Shapes (defaults): activations `[6, 96, 168, 64]` (NHWC); 3×3 convolution 64→64 with padding
/// 1, depthwise 3×3, pointwise 1×1 (each with bias); 2×2 transposed convolution 64→64 with
/// stride 2 from 48×84; batch norm; ReLU and ELU; 2×2 max-pooling; bilinear ×2 from 48×84;
/// softmax over 48 channels at 192×336; concatenation of two 64-channel maps; same-shape add,
/// per-channel multiply and per-channel sum.
///
/// Method: each direction is called ``Configuration/warmupRuns`` times untimed (primitive
/// creation, buffer pool filling), then ``Configuration/timedRuns`` times; the median is
/// reported. Outputs are released between runs, as in training. `benchmarks/torch_ops.py` times
/// the same operations the same way in PyTorch.
public struct OperationBenchmarks: Sendable {
  /// Sizes and repetitions.
  public struct Configuration: Sendable {
    /// `N` of the activations.
    public var batch = 6
    /// `H` of the activations (the transposed convolution and the resize start from `H/2`).
    public var height = 96
    /// `W` of the activations.
    public var width = 168
    /// `C` of the activations, and the filters' input and output channels.
    public var channels = 64
    /// `H` of the softmax input: W-net's full-resolution disparity logits.
    public var softmaxHeight = 192
    /// `W` of the softmax input.
    public var softmaxWidth = 336
    /// The softmax's length: the number of candidate disparities.
    public var softmaxChannels = 48
    /// Untimed calls per direction before timing.
    public var warmupRuns = 3
    /// Timed calls per direction; the median is reported.
    public var timedRuns = 10
    /// Only operations whose name contains this text, or all when `nil`.
    public var filter: String?

    /// The W-net sizes above.
    public init() {}
  }

  /// Sizes and repetitions.
  public var configuration: Configuration

  /// A benchmark with the given sizes and repetitions.
  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
  }

  /// One operation: named directions, each a closure that returns its results (so they are
  /// released after timing). `directions` prepares the inputs, only for selected operations.
  private struct Case {
    var operation: String
    var shape: String
    var directions: () -> [(name: String, run: () -> [Tensor])]
  }

  /// Runs every operation on `backend` and returns the timings in order, calling `report` as each
  /// operation finishes.
  public func run(
    on backend: any Backend, report: (OperationTiming) -> Void = { _ in }
  ) -> [OperationTiming] {
    var timings: [OperationTiming] = []
    for testCase in cases(backend) {
      if let filter = configuration.filter, !testCase.operation.contains(filter) { continue }
      var total = 0.0, totalMinimum = 0.0
      let directions = testCase.directions()
      for direction in directions {
        let (median, minimum) = measure(direction.run)
        total += median
        totalMinimum += minimum
        let timing = OperationTiming(
          operation: testCase.operation, direction: direction.name, shape: testCase.shape,
          milliseconds: median, minimumMilliseconds: minimum)
        timings.append(timing)
        report(timing)
      }
      if directions.count > 1 {
        let timing = OperationTiming(
          operation: testCase.operation, direction: "total", shape: testCase.shape,
          milliseconds: total, minimumMilliseconds: totalMinimum)
        timings.append(timing)
        report(timing)
      }
    }
    return timings
  }

  private func measure(_ body: () -> [Tensor]) -> (median: Double, minimum: Double) {
    for _ in 0..<configuration.warmupRuns { _ = body() }
    var samples: [Double] = []
    for _ in 0..<Swift.max(1, configuration.timedRuns) {
      let start = DispatchTime.now().uptimeNanoseconds
      let results = body()
      let end = DispatchTime.now().uptimeNanoseconds
      withExtendedLifetime(results) {}
      samples.append(Double(end - start) / 1e6)
    }
    samples.sort()
    let middle = samples.count / 2
    let median =
      samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2
    return (median, samples[0])
  }

  private func cases(_ backend: any Backend) -> [Case] {
    let c = configuration
    let activationShape = [c.batch, c.height, c.width, c.channels]
    let half = [c.batch, c.height / 2, c.width / 2, c.channels]
    let upShape = [c.batch, c.height / 2 * 2, c.width / 2 * 2, c.channels]
    let logitsShape = [c.batch, c.softmaxHeight, c.softmaxWidth, c.softmaxChannels]
    let joinedShape = [c.batch, c.height, c.width, 2 * c.channels]
    func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
      var generator = SeededGenerator(seed: seed)
      return Tensor.randomUniform(shape, in: range, using: &generator)
    }
    var cases: [Case] = []

    // Stage: convolutions, forward and both backward passes.
    let same = ConvolutionGeometry(padding: 1)
    let convolutions: [(String, [Int], ConvolutionGeometry)] = [
      ("conv3x3", [c.channels, 3, 3, c.channels], same),
      ("depthwise3x3", [c.channels, 3, 3, 1], ConvolutionGeometry(padding: 1, groups: c.channels)),
      ("pointwise1x1", [c.channels, 1, 1, c.channels], ConvolutionGeometry()),
    ]
    for (name, filterShape, geometry) in convolutions {
      cases.append(
        Case(operation: name, shape: "\(activationShape) * \(filterShape)") {
          let x = random(activationShape, seed: 1), gradient = random(activationShape, seed: 2)
          let filter = random(filterShape, seed: 3), bias = random([filterShape[0]], seed: 4)
          return [
            (
              "forward",
              { [backend.convolution2D(x, filter: filter, bias: bias, geometry: geometry)] }
            ),
            (
              "backward-data",
              {
                [
                  backend.convolution2DBackwardInput(
                    gradient, filter: filter, inputShape: x.shape, geometry: geometry)
                ]
              }
            ),
            (
              "backward-weights",
              {
                let result = backend.convolution2DBackwardFilter(
                  gradient, input: x, filterShape: filterShape, geometry: geometry,
                  includeBias: true)
                return [result.filter] + (result.bias.map { [$0] } ?? [])
              }
            ),
          ]
        })
    }
    if let dnnl = backend as? DNNLBackend {
      // What every call would pay without the reordered-filter cache.
      cases.append(
        Case(operation: "filter-reorder3x3", shape: "[\(c.channels), 3, 3, \(c.channels)] uncached")
        {
          let filter = random([c.channels, 3, 3, c.channels], seed: 3)
          return [
            (
              "forward",
              {
                [
                  (try? dnnl.uncachedForwardFilter(
                    filter, inputShape: activationShape, geometry: same))
                    ?? filter
                ]
              }
            )
          ]
        })
    }

    // Stage: transposed convolution (decoder up-sampling), 2×2 stride 2 from half resolution.
    cases.append(
      Case(operation: "deconv2x2s2", shape: "\(half) → \(upShape)") {
        let input = random(half, seed: 5), gradient = random(upShape, seed: 6)
        let filter = random([c.channels, 2, 2, c.channels], seed: 7),
          bias = random([c.channels], seed: 8)
        return [
          (
            "forward",
            { [backend.transposedConvolution2D(input, filter: filter, bias: bias, stride: 2)] }
          ),
          (
            "backward-data",
            {
              [
                backend.transposedConvolution2DBackwardInput(
                  gradient, filter: filter, inputShape: half, stride: 2)
              ]
            }
          ),
          (
            "backward-weights",
            {
              let result = backend.transposedConvolution2DBackwardFilter(
                gradient, input: input, filterShape: filter.shape, stride: 2, includeBias: true)
              return [result.filter] + (result.bias.map { [$0] } ?? [])
            }
          ),
        ]
      })

    if let dnnl = backend as? DNNLBackend {
      // oneDNN's deconvolution primitives, the alternative to the blockwise 1×1 convolution.
      cases.append(
        Case(operation: "deconv2x2s2-onednn", shape: "\(half) → \(upShape)") {
          let input = random(half, seed: 5), gradient = random(upShape, seed: 6)
          let filter = random([c.channels, 2, 2, c.channels], seed: 7)
          let bias = random([c.channels], seed: 8)
          return [
            (
              "forward",
              {
                [
                  (try? dnnl.dnnlTransposedConvolution(
                    input, filter: filter, bias: bias, stride: 2, blockwise: false)) ?? input
                ]
              }
            ),
            (
              "backward-data",
              {
                [
                  backend.transposedConvolution2DBackwardInput(
                    gradient, filter: filter, inputShape: half, stride: 2)
                ]
              }
            ),
            (
              "backward-weights",
              {
                [
                  (try? dnnl.dnnlTransposedConvolutionBackwardFilter(
                    gradient, input: input, filterShape: filter.shape, stride: 2, includeBias: true,
                    blockwise: false))?.filter ?? input
                ]
              }
            ),
          ]
        })
    }

    // Stage: normalisation and activations.
    cases.append(
      Case(operation: "batchnorm", shape: "\(activationShape)") {
        let x = random(activationShape, seed: 1), gradient = random(activationShape, seed: 2)
        let scale = random([c.channels], seed: 9, in: 0.5...1.5),
          shift = random([c.channels], seed: 10)
        let statistics = backend.batchNormTraining(x, scale: scale, shift: shift, epsilon: 1e-5)
        return [
          (
            "forward",
            {
              let result = backend.batchNormTraining(x, scale: scale, shift: shift, epsilon: 1e-5)
              return [result.output, result.mean, result.variance]
            }
          ),
          (
            "backward",
            {
              let result = backend.batchNormBackward(
                gradient, input: x, scale: scale, shift: shift, mean: statistics.mean,
                variance: statistics.variance, epsilon: 1e-5)
              return [result.input, result.scale, result.shift]
            }
          ),
        ]
      })
    for activation in Activation.allCases {
      cases.append(
        Case(operation: activation.rawValue, shape: "\(activationShape)") {
          let x = random(activationShape, seed: 1), gradient = random(activationShape, seed: 2)
          let output = backend.activation(activation, x)
          return [
            ("forward", { [backend.activation(activation, x)] }),
            ("backward", { [backend.activationBackward(activation, gradient, output: output)] }),
          ]
        })
      if let dnnl = backend as? DNNLBackend {
        // oneDNN's backward, the alternative to the Swift kernel, kept for comparison.
        cases.append(
          Case(operation: "\(activation.rawValue)-onednn", shape: "\(activationShape)") {
            let x = random(activationShape, seed: 1), gradient = random(activationShape, seed: 2)
            let output = backend.activation(activation, x)
            return [
              (
                "backward",
                {
                  [
                    (try? dnnl.dnnlActivationBackward(activation, gradient, output: output))
                      ?? output
                  ]
                }
              )
            ]
          })
      }
    }

    // Stage: pooling and resizing.
    cases.append(
      Case(operation: "maxpool2x2", shape: "\(activationShape) → \(half)") {
        let x = random(activationShape, seed: 1)
        let pooled = backend.maxPool2D(x, size: 2)
        let gradient = random(pooled.output.shape, seed: 2)
        return [
          (
            "forward",
            {
              let result = backend.maxPool2D(x, size: 2)
              return [result.output] + (result.workspace.map { [$0] } ?? [])
            }
          ),
          (
            "backward",
            {
              [
                backend.maxPool2DBackward(
                  gradient, inputShape: x.shape, input: x, workspace: pooled.workspace, size: 2)
              ]
            }
          ),
        ]
      })
    cases.append(
      Case(operation: "bilinear2x", shape: "\(half) → \(upShape)") {
        let input = random(half, seed: 5), gradient = random(upShape, seed: 6)
        return [
          ("forward", { [backend.resizeBilinear(input, height: upShape[1], width: upShape[2])] }),
          ("backward", { [backend.resizeBilinearBackward(gradient, inputShape: half)] }),
        ]
      })
    if let dnnl = backend as? DNNLBackend {
      // oneDNN's backward, the alternative to the Swift kernel, kept for comparison.
      cases.append(
        Case(operation: "bilinear2x-onednn", shape: "\(half) → \(upShape)") {
          let gradient = random(upShape, seed: 6)
          return [
            (
              "backward",
              {
                [(try? dnnl.dnnlResizeBilinearBackward(gradient, inputShape: half)) ?? gradient]
              }
            )
          ]
        })
    }

    // Stage: softmax over the disparity logits.
    cases.append(
      Case(operation: "softmax", shape: "\(logitsShape), over the last axis") {
        let logits = random(logitsShape, seed: 11, in: -4...4)
        let probabilities = backend.softmax(logits)
        let gradient = random(logitsShape, seed: 12)
        return [
          ("forward", { [backend.softmax(logits)] }),
          ("backward", { [backend.softmaxBackward(gradient, output: probabilities)] }),
        ]
      })
    if let dnnl = backend as? DNNLBackend {
      // The alternative to the Swift softmax kernel, kept for comparison.
      cases.append(
        Case(operation: "softmax-onednn", shape: "\(logitsShape), over the last axis") {
          let logits = random(logitsShape, seed: 11, in: -4...4)
          let probabilities = backend.softmax(logits)
          let gradient = random(logitsShape, seed: 12)
          return [
            ("forward", { [(try? dnnl.dnnlSoftmax(logits)) ?? logits] }),
            (
              "backward",
              {
                [(try? dnnl.dnnlSoftmaxBackward(gradient, output: probabilities)) ?? logits]
              }
            ),
          ]
        })
    }

    // Stage: layout and element-wise kernels.
    cases.append(
      Case(operation: "concat", shape: "2 × \(activationShape) → \(joinedShape)") {
        let x = random(activationShape, seed: 1), other = random(activationShape, seed: 13)
        let gradient = random(joinedShape, seed: 14)
        return [
          ("forward", { [backend.concatenate([x, other], axis: 3)] }),
          (
            "backward",
            {
              [
                backend.slice(gradient, axis: 3, range: 0..<c.channels),
                backend.slice(gradient, axis: 3, range: c.channels..<(2 * c.channels)),
              ]
            }
          ),
        ]
      })
    cases.append(
      Case(operation: "add", shape: "\(activationShape) + \(activationShape)") {
        let x = random(activationShape, seed: 1), other = random(activationShape, seed: 13)
        return [("forward", { [backend.binary(.add, x, other, outputShape: activationShape)] })]
      })
    cases.append(
      Case(operation: "mul-per-channel", shape: "\(activationShape) * [\(c.channels)]") {
        let x = random(activationShape, seed: 1), perChannel = random([c.channels], seed: 15)
        return [
          ("forward", { [backend.binary(.multiply, x, perChannel, outputShape: activationShape)] })
        ]
      })
    cases.append(
      Case(operation: "sum-per-channel", shape: "\(activationShape) → [\(c.channels)]") {
        let x = random(activationShape, seed: 1)
        return [("forward", { [backend.reduce(.sum, x, axes: [0, 1, 2])] })]
      })
    return cases
  }
}
