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
///
/// **Integrity.** ``encode(_:metadata:)`` stores a CRC-32 (``CRC32``) in the metadata as
/// ``checksumKey`` (`"crc32": "cbf43926"`, 8 lowercase hex digits) over the file's content in a
/// canonical order that does not depend on the layout: for each tensor by name, its name, a 0
/// byte, its shape as decimal numbers joined by commas, a 0 byte and its data bytes; then each
/// other metadata entry by key, its key, a 0 byte, its value and a 0 byte. So a changed data
/// byte, shape, name or metadata value is found, while a tool that rewrites the file with the
/// same content in another order (Python's `safetensors`) keeps it valid. ``decode(_:name:)``
/// checks it and hands back the metadata without it. Files without the key (other tools, files
/// written before checksums) are accepted unchecked.
public enum SafeTensors {
  /// The metadata key of the data section's CRC-32.
  public static let checksumKey = "crc32"

  /// The largest tensor file read or written, in bytes (16 GiB): a header asking for more is
  /// corrupt, and sizes stay far from `Int` overflow.
  public static let maximumByteCount = 1 << 34
  /// Encodes named float tensors and string metadata, in the given order.
  public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String])
    -> Data
  {
    var header: [String: Any] = [:]
    var metadata = metadata
    metadata.removeValue(forKey: checksumKey)
    let checksum = canonicalChecksum(
      tensors.map { entry in
        (
          entry.name, entry.tensor.shape,
          { crc in
            entry.tensor.withUnsafeBufferPointer { crc.add(UnsafeRawBufferPointer($0)) }
          }
        )
      }, metadata: metadata)
    metadata[checksumKey] = checksumText(checksum)
    header["__metadata__"] = metadata
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

  /// Decodes a safetensors file; every tensor must be F32, in bounds, and finite, and the data
  /// must match its stored CRC-32 when there is one.
  ///
  /// - Throws: ``CheckpointError`` naming the problem: truncated, bad header, unsupported dtype,
  ///   a shape too large, overlapping or out-of-range data, a checksum mismatch, or non-finite
  ///   values.
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
    if let value = header["__metadata__"] {
      guard let strings = value as? [String: String] else {
        throw CheckpointError("\(name): the safetensors metadata is not a map of strings")
      }
      metadata = strings
    }
    let storedChecksum = metadata.removeValue(forKey: checksumKey)
    var entries: [(key: String, shape: [Int], begin: Int, end: Int)] = []
    for (key, value) in header where key != "__metadata__" {
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
      guard let byteCount = Self.byteCount(of: shape) else {
        throw CheckpointError(
          "\(name): tensor '\(key)' has shape \(shape); dimensions must be non-negative and "
            + "the size at most \(maximumByteCount) bytes")
      }
      guard begin >= 0, end >= begin, end - begin == byteCount else {
        throw CheckpointError(
          "\(name): tensor '\(key)' of shape \(shape) has data offsets \(offsets) of the wrong size"
        )
      }
      guard end <= payload else {
        throw CheckpointError(
          "\(name) is truncated: tensor '\(key)' ends at byte \(base + end) of \(data.count)")
      }
      entries.append((key, shape, begin, end))
    }
    for (key, shape, begin, end) in entries {
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
    // After the finiteness check, so that a NaN is named as such.
    if let storedChecksum {
      let actual = data.withUnsafeBytes { raw in
        checksumText(
          canonicalChecksum(
            entries.map { entry in
              (
                entry.key, entry.shape,
                { crc in
                  crc.add(
                    UnsafeRawBufferPointer(rebasing: raw[(base + entry.begin)..<(base + entry.end)])
                  )
                }
              )
            }, metadata: metadata))
      }
      guard storedChecksum.lowercased() == actual else {
        throw CheckpointError(
          "\(name) is corrupt: its CRC-32 is \(actual) but the file says \(storedChecksum) "
            + "(a changed or damaged byte)")
      }
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

  /// The bytes of an F32 tensor of `shape`, or nil when a dimension is negative or the size
  /// exceeds ``maximumByteCount`` (checked without overflow).
  static func byteCount(of shape: [Int]) -> Int? {
    var count = 4
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= maximumByteCount else { return nil }
      count = product
    }
    return count
  }

  /// The CRC-32 of tensors and metadata in the canonical order (see the type's discussion);
  /// each tensor's `feed` adds its data bytes.
  static func canonicalChecksum(
    _ tensors: [(name: String, shape: [Int], feed: (inout CRC32Accumulator) -> Void)],
    metadata: [String: String]
  ) -> UInt32 {
    var crc = CRC32Accumulator()
    func add(_ text: String) {
      var bytes = Array(text.utf8)
      bytes.append(0)
      bytes.withUnsafeBytes { crc.add($0) }
    }
    for tensor in tensors.sorted(by: { $0.name < $1.name }) {
      add(tensor.name)
      add(tensor.shape.map(String.init).joined(separator: ","))
      tensor.feed(&crc)
    }
    for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != checksumKey {
      add(key)
      add(value)
    }
    return crc.value
  }

  /// A checksum as stored: 8 lowercase hex digits.
  static func checksumText(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }
}

/// A CRC-32 computed over several buffers in turn.
struct CRC32Accumulator {
  private var register: UInt32 = 0xFFFF_FFFF

  /// Feeds `bytes`.
  mutating func add(_ bytes: UnsafeRawBufferPointer) {
    CRC32.table.withUnsafeBufferPointer { table in
      for byte in bytes {
        register = table[Int((register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
      }
    }
  }

  /// The checksum of everything fed.
  var value: UInt32 { register ^ 0xFFFF_FFFF }
}
