import Foundation

extension StereoProxy {
  /// The four maps in the order of a proxy's files: left, left confidence, right, right
  /// confidence.
  public var maps: [Image] { [leftDisparity, leftConfidence, rightDisparity, rightConfidence] }

  /// The four files of a proxy whose names start with `base` (a folder and a pair's name, or a
  /// view's path without its extension): `<base>.<key>.{left,left-confidence,right,
  /// right-confidence}.pfm`, in the order of ``maps``.
  public static func files(base: URL, key: String) -> [URL] {
    ["left", "left-confidence", "right", "right-confidence"].map {
      URL(fileURLWithPath: base.path + ".\(key).\($0).pfm")
    }
  }

  /// The proxy held by four PFM files in the order of ``maps``, or `nil` when any is missing.
  ///
  /// - Throws: ``StereoDataError`` when a file cannot be read or holds a map that is not
  ///   `width × height × 1`.
  public static func read(_ urls: [URL], width: Int, height: Int) throws -> StereoProxy? {
    precondition(urls.count == 4, "A proxy has four files, got \(urls.count)")
    guard urls.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
    let maps = try urls.map { try ImageIO.read($0) }
    for (url, map) in zip(urls, maps)
    where map.width != width || map.height != height || map.channels != 1 {
      throw StereoDataError(
        .mismatch, url,
        "holds a \(map.width)x\(map.height)x\(map.channels) map for a \(width)x\(height) pair")
    }
    return StereoProxy(
      leftDisparity: maps[0], leftConfidence: maps[1], rightDisparity: maps[2],
      rightConfidence: maps[3])
  }

  /// Writes the four maps to `urls` (in the order of ``maps``) as PFM, each atomically.
  public func write(_ urls: [URL]) throws {
    precondition(urls.count == 4, "A proxy has four files, got \(urls.count)")
    for (url, map) in zip(urls, maps) { try ImageIO.writePFM(map, to: url) }
  }
}
