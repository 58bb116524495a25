/// Collects the gradients of a multi-output operation's outputs.
final class GradientCollector: @unchecked Sendable {
  var gradients: [Tensor?]
  init(count: Int) { gradients = Array(repeating: nil, count: count) }
}

extension Tensor {
  /// Connects an operation with several outputs (a fused kernel, say) to the graph.
  ///
  /// `backward` receives one gradient per output (`nil` for an output that the objective does
  /// not use) and returns one gradient per input. Internally the outputs hang off a scalar hub
  /// node: each output's node hands its gradient to the hub, and since the hub was created first,
  /// reverse creation order runs it only after all outputs have reported.
  public static func record(
    outputs: [Tensor], inputs: [Tensor], backward: @escaping ([Tensor?]) -> [Tensor?]
  ) -> [Tensor] {
    guard GradientMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return outputs }
    let collector = GradientCollector(count: outputs.count)
    let hub = record(Tensor(0), inputs: inputs) { _ in backward(collector.gradients) }
    return outputs.enumerated().map { index, output in
      record(output, inputs: [hub]) { gradient in
        collector.gradients[index] = gradient
        return [Tensor(0)]
      }
    }
  }
}
