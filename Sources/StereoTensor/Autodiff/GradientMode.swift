/// Whether operations record the autodiff graph.
///
/// Recording is on by default; it is task-local, so concurrent tasks (and parallel tests) each
/// keep their own setting. Inference wraps its work in ``withoutGradients(_:)``, which makes
/// ``Parameter/tracked`` return plain constants and so builds no graph at all.
public enum GradientMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients.
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
  try GradientMode.$isEnabled.withValue(false, operation: body)
}
