import Foundation

/// CRC-32 as zlib, PNG and gzip compute it (IEEE 802.3).
///
/// Reflected, polynomial `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`.
/// `CRC32.checksum(of: "123456789")` is `0xCBF43926`, the standard check value.
///
/// Checkpoints store it over their tensor bytes (``SafeTensors``), so a flipped byte is found on
/// load.
public enum CRC32 {
  /// The byte-wise lookup table: entry `n` is the CRC register after shifting `n` through 8 bits.
  static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
  }

  /// The CRC-32 of `bytes`.
  public static func checksum(of bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    table.withUnsafeBufferPointer { table in
      for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
    return crc ^ 0xFFFF_FFFF
  }

  /// The CRC-32 of `data`.
  public static func checksum(of data: some DataProtocol) -> UInt32 {
    Data(data).withUnsafeBytes { checksum(of: $0) }
  }
}
