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

  // MARK: - The views a cached proxy was computed from

  /// The file beside a proxy's four that records the views they were computed from:
  /// `<base>.<key>.views`, one line holding ``viewsFingerprint(left:right:)``.
  ///
  /// A pair's name (its identifier, or its left view's path) does not say which pictures it
  /// holds: a resumed run's new `--data`, or a folder rewritten by `wnet synth`, may give other
  /// views the same name. The record lets a cache tell them apart.
  public static func viewsFile(base: URL, key: String) -> URL {
    URL(fileURLWithPath: base.path + ".\(key).views")
  }

  /// What identifies a pair's views: the 64-bit FNV-1a hashes (``FNV1a``) of the bytes of the
  /// left and the right view's files, as `<left> <right>` (16 hex digits each).
  ///
  /// - Throws: ``StereoDataError`` when a view's file cannot be read.
  public static func viewsFingerprint(left: URL, right: URL) throws -> String {
    try [left, right].map { url in try FileContents.read(url).withUnsafeBytes { FNV1a.hex($0) } }
      .joined(separator: " ")
  }

  /// The proxy held by the four files `urls` (as ``read(_:width:height:)``) when the record
  /// `views` (``viewsFile(base:key:)``) holds `fingerprint`; `nil` when a file or the record is
  /// missing or the record names other views (the files are another pair's, or older than the
  /// record).
  ///
  /// - Throws: ``StereoDataError`` when a file of the recorded views cannot be read or holds a
  ///   map that is not `width × height × 1`.
  public static func read(
    _ urls: [URL], width: Int, height: Int, views: URL, fingerprint: String
  ) throws -> StereoProxy? {
    guard let recorded = try? String(contentsOf: views, encoding: .utf8),
      recorded.trimmingCharacters(in: .whitespacesAndNewlines) == fingerprint
    else { return nil }
    return try read(urls, width: width, height: height)
  }

  /// Writes the four maps to `urls` as ``write(_:)`` does, then `fingerprint` to the record
  /// `views`: an older record goes first and the new one comes last, so that a record only ever
  /// vouches for complete files of its views, even when the writing is interrupted.
  ///
  /// - Throws: ``StereoDataError`` when a file cannot be written or the old record removed.
  public func write(_ urls: [URL], views: URL, fingerprint: String) throws {
    if FileManager.default.fileExists(atPath: views.path) {
      do {
        try FileManager.default.removeItem(at: views)
      } catch {
        throw StereoDataError(
          .unwritable, views, "cannot be removed (\(error.localizedDescription))")
      }
    }
    try write(urls)
    try FileContents.write(Data((fingerprint + "\n").utf8), to: views)
  }
}
