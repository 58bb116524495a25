internal import CStereoClassic
import Foundation

/// A `cv::FileStorage` (YAML, XML or JSON) open for reading numbers by key.
final class FileStorageReader {
  private let handle: UnsafeMutableRawPointer
  /// The file, for messages.
  let url: URL

  /// Opens `url`.
  ///
  /// - Throws: ``ClassicStereoError`` naming the file when OpenCV cannot parse it.
  init(_ url: URL) throws(ClassicStereoError) {
    self.url = url
    var opened: UnsafeMutableRawPointer?
    try checkedNativeCall("\(url.path)") { error, capacity in
      wnet_file_storage_open(url.path, &opened, error, capacity)
    }
    guard let opened else { throw ClassicStereoError("\(url.path): cannot be opened") }
    handle = opened
  }

  deinit { wnet_file_storage_close(handle) }

  /// The numbers under top-level `key`, row-major, with their shape; `nil` when absent.
  ///
  /// - Throws: ``ClassicStereoError`` naming the file and key when the node is not numeric.
  func numbers(_ key: String) throws(ClassicStereoError)
    -> (values: [Double], rows: Int, columns: Int)?
  {
    var values = [Double](repeating: 0, count: 64)
    var rows: Int32 = 0
    var columns: Int32 = 0
    let status = try checkedNativeCall("\(url.path): key '\(key)'", allowMissing: true) {
      error, capacity in
      values.withUnsafeMutableBufferPointer { buffer in
        wnet_file_storage_read_numbers(
          handle, key, buffer.baseAddress, Int32(buffer.count), &rows, &columns, error, capacity)
      }
    }
    guard status == Int32(WNET_CV_OK) else { return nil }
    return (Array(values.prefix(Int(rows * columns))), Int(rows), Int(columns))
  }
}
