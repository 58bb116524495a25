internal import CStereoClassic

/// Calls a `CStereoClassic` function that takes a trailing `(error, error_capacity)` pair and
/// returns a status; throws ``ClassicStereoError`` with `context` and OpenCV's message unless it
/// returns `WNET_CV_OK` (or `WNET_CV_MISSING` when `allowMissing`).
///
/// - Returns: The status (`WNET_CV_OK` or, with `allowMissing`, `WNET_CV_MISSING`).
@discardableResult
func checkedNativeCall(
  _ context: @autoclosure () -> String, allowMissing: Bool = false,
  _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32
) throws(ClassicStereoError) -> Int32 {
  let capacity = 1024
  var buffer = [CChar](repeating: 0, count: capacity)
  let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, capacity) }
  if status == Int32(WNET_CV_OK) || (allowMissing && status == Int32(WNET_CV_MISSING)) {
    return status
  }
  let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  throw ClassicStereoError("\(context()): \(message.isEmpty ? "failed" : message)")
}
