import Synchronization

/// A vertex of the reverse-mode autodiff graph: the operation that produced a tensor.
///
/// Nodes are numbered in creation order. A node is always created after the nodes of its inputs,
/// so visiting nodes by decreasing number is a topological order, and backward runs in exactly
/// the reverse of the forward order: deterministic, with no sorting by graph search.
public final class AutodiffNode: @unchecked Sendable {
  private static let counter = Atomic<Int>(0)

  /// The creation number.
  public let order: Int
  /// The nodes of the inputs that need a gradient, with their position among the operation's
  /// inputs.
  let inputs: [(position: Int, node: AutodiffNode)]
  /// Maps the gradient of the output to the gradients of all inputs (`nil` for none). Released
  /// once it has run, which frees the tensors it saved: a graph is differentiated once.
  var backward: ((Tensor) -> [Tensor?])?
  /// For a leaf: the parameter that receives the gradient.
  let parameter: Parameter?
  /// The shape of the tensor this node produced; gradients must match it.
  let shape: [Int]
  /// The gradient accumulated during a backward pass.
  var gradient: Tensor?

  init(
    inputs: [(position: Int, node: AutodiffNode)], shape: [Int],
    backward: ((Tensor) -> [Tensor?])?, parameter: Parameter?
  ) {
    self.order = AutodiffNode.counter.wrappingAdd(1, ordering: .relaxed).newValue
    self.inputs = inputs
    self.shape = shape
    self.backward = backward
    self.parameter = parameter
  }
}

extension Tensor {
  /// Connects `result` to the graph: when any of `inputs` needs a gradient, `result` gets a node
  /// whose backward function is `backward`.
  ///
  /// This is how every differentiable operation, built in or custom (the fused selection layer,
  /// the losses), joins autodiff. `backward` receives the gradient of `result` (same shape) and
  /// returns one gradient per input, each of that input's shape, or `nil` where an input gets none.
  /// It runs with gradient recording off.
  ///
  /// - Returns: `result`, with a node when recording is on and an input needs a gradient.
  @inlinable
  public static func record(
    _ result: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]
  ) -> Tensor {
    guard inputs.contains(where: { $0.node != nil }) else { return result }
    return recordSlow(result, inputs: inputs, backward: backward)
  }

  @usableFromInline
  static func recordSlow(
    _ result: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]
  ) -> Tensor {
    guard GradientMode.isEnabled else { return result }
    var linked: [(position: Int, node: AutodiffNode)] = []
    for (position, input) in inputs.enumerated() {
      if let node = input.node { linked.append((position, node)) }
    }
    var output = result
    output.node = AutodiffNode(
      inputs: linked, shape: result.shape, backward: backward, parameter: nil)
    return output
  }

  /// Whether gradients flow back through this tensor.
  public var requiresGradient: Bool { node != nil }

  /// Runs reverse-mode differentiation from this tensor and adds the gradients into the
  /// ``Parameter/gradient`` of every parameter it depends on.
  ///
  /// Each node's backward function is released as soon as it has run, so the activations it saved
  /// are freed while backward proceeds rather than at the end: the peak memory is not all
  /// activations plus all gradients. A graph can therefore be differentiated only once.
  ///
  /// - Parameter seed: The gradient of the final objective with respect to this tensor; by default
  ///   ones (so for a scalar loss, d loss / d loss = 1).
  public func backward(seed: Tensor? = nil) {
    guard let root = node else { return }
    let seedGradient = seed ?? Tensor(shape: shape, repeating: 1)
    precondition(
      seedGradient.shape == shape,
      "Seed of shape \(seedGradient.shape) for a tensor of shape \(shape)")
    withoutGradients {
      // Stage: gather every node reachable from the root.
      var nodes: [AutodiffNode] = []
      var seen: Set<ObjectIdentifier> = []
      var stack = [root]
      while let current = stack.popLast() {
        guard seen.insert(ObjectIdentifier(current)).inserted else { continue }
        nodes.append(current)
        for input in current.inputs { stack.append(input.node) }
      }
      // Stage: creation order reversed is a topological order.
      nodes.sort { $0.order > $1.order }
      root.gradient = seedGradient
      for current in nodes {
        guard let gradient = current.gradient else { continue }
        current.gradient = nil  // free as we go
        if let parameter = current.parameter {
          parameter.accumulate(gradient)
          continue
        }
        guard let backward = current.backward else { continue }
        current.backward = nil
        let inputGradients = backward(gradient)
        for (position, input) in current.inputs {
          guard position < inputGradients.count, let inputGradient = inputGradients[position] else {
            continue
          }
          precondition(
            inputGradient.shape == input.shape,
            "Backward produced a gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)"
          )
          if let existing = input.gradient {
            input.gradient = existing + inputGradient
          } else {
            input.gradient = inputGradient
          }
        }
      }
    }
  }
}
