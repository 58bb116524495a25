internal import CDNNL

/// A oneDNN call that returned a status other than success.
public struct DNNLError: Error, CustomStringConvertible, Sendable {
  /// The oneDNN status name, e.g. `invalid_arguments`.
  public let status: String
  /// The call that failed.
  public let operation: String

  public var description: String { "oneDNN \(operation) failed: \(status)" }
}

/// The one choke point where a oneDNN status becomes a Swift error.
@inline(__always)
func check(_ status: dnnl_status_t, _ operation: @autoclosure () -> String) throws(DNNLError) {
  guard status != dnnl_success else { return }
  throw DNNLError(status: String(cString: dnnl_status2str(status)), operation: operation())
}

/// For calls that cannot fail once their primitive exists (execution on valid, cached shapes):
/// a failure there is a bug in this backend, reported with the oneDNN status.
@inline(__always)
func mustSucceed(_ status: dnnl_status_t, _ operation: @autoclosure () -> String) {
  do {
    try check(status, operation())
  } catch {
    preconditionFailure("\(error)")
  }
}

/// The handle a successful oneDNN create call wrote; oneDNN sets it whenever it returns success,
/// so `nil` here is a bug.
@inline(__always)
func created<Handle>(_ handle: Handle?, _ operation: @autoclosure () -> String) -> Handle {
  guard let handle else { preconditionFailure("oneDNN \(operation()) succeeded without a handle") }
  return handle
}
