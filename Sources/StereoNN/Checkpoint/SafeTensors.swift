import Foundation
import StereoTensor

/// A file that is not a readable safetensors checkpoint, with the reason in one line.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length,
/// a JSON header `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "string"}}` padded with spaces so the data starts 8-byte aligned, then
/// the raw little-endian data. Python's `safetensors` reads these files.
public enum SafeTensors {
  /// Encodes named float tensors and string metadata, in the given order.
  public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String])
    -> Data
  {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    for (name, tensor) in tensors {
      let byteCount = tensor.count * 4
      header[name] = [
        "dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + byteCount],
      ]
      offset += byteCount
    }
    var json =
      (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
      ?? Data("{}".utf8)
    while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var data = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    for (_, tensor) in tensors {
      tensor.withUnsafeBufferPointer { buffer in
        // x86-64 and arm64 are little endian, as the format is.
        data.append(
          UnsafeBufferPointer(
            start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
            count: buffer.count * 4))
      }
    }
    return data
  }

  /// Writes tensors and metadata to `url` atomically.
  public static func write(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL
  ) throws {
    try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
  }

  /// Decodes a safetensors file; every tensor must be F32, in bounds, and finite.
  ///
  /// - Throws: ``CheckpointError`` naming the problem: truncated, bad header, unsupported dtype,
  ///   overlapping or out-of-range data, or non-finite values.
  public static func decode(_ data: Data, name: String = "checkpoint") throws -> (
    tensors: [String: Tensor], order: [String], metadata: [String: String]
  ) {
    guard data.count >= 8 else {
      throw CheckpointError(
        "\(name) is not a safetensors file (\(data.count) bytes, too short for a header)")
    }
    let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
      throw CheckpointError(
        "\(name) is truncated or not a safetensors file (header of \(headerLength) bytes in a \(data.count)-byte file)"
      )
    }
    let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
    guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
      throw CheckpointError("\(name) has an unreadable safetensors header")
    }
    let base = 8 + Int(headerLength)
    let payload = data.count - base
    var tensors: [String: Tensor] = [:]
    var spans: [(Int, Int, String)] = []
    var metadata: [String: String] = [:]
    for (key, value) in header {
      if key == "__metadata__" {
        metadata = (value as? [String: String]) ?? [:]
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
        offsets.count == 2
      else {
        throw CheckpointError("\(name): tensor '\(key)' has a malformed header entry")
      }
      guard dtype == "F32" else {
        throw CheckpointError("\(name): tensor '\(key)' has dtype \(dtype); only F32 is supported")
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin,
        end - begin == Tensor.elementCount(of: shape) * 4
      else {
        throw CheckpointError(
          "\(name): tensor '\(key)' of shape \(shape) has data offsets \(offsets) of the wrong size"
        )
      }
      guard end <= payload else {
        throw CheckpointError(
          "\(name) is truncated: tensor '\(key)' ends at byte \(base + end) of \(data.count)")
      }
      var tensor = Tensor(uninitializedShape: shape)
      var finite = true
      tensor.withUnsafeMutableBufferPointer { buffer in
        data.withUnsafeBytes { raw in
          let source = raw.baseAddress! + base + begin
          memcpy(buffer.baseAddress!, source, end - begin)
        }
        finite = buffer.allSatisfy { $0.isFinite }
      }
      guard finite else {
        throw CheckpointError("\(name): tensor '\(key)' contains NaN or infinite values")
      }
      tensors[key] = tensor
      spans.append((begin, end, key))
    }
    spans.sort { $0.0 < $1.0 }
    for (previous, next) in zip(spans, spans.dropFirst()) where next.0 < previous.1 {
      throw CheckpointError("\(name): tensors '\(previous.2)' and '\(next.2)' overlap")
    }
    return (tensors, spans.map(\.2), metadata)
  }

  /// Reads a safetensors file.
  public static func read(from url: URL) throws -> (
    tensors: [String: Tensor], order: [String], metadata: [String: String]
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw CheckpointError(
        "cannot read checkpoint \(url.path): \(FileManager.default.fileExists(atPath: url.path) ? "unreadable" : "no such file")"
      )
    }
    return try decode(data, name: url.path)
  }
}
