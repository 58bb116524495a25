import Foundation
import StereoTensor

/// Writes the frames of a 3D video as stereo pairs in the folder layout.
///
/// A video extracted to `DIR` gives `DIR/left/000000.png` and `DIR/right/000000.png`, … (8-bit
/// RGB), frame `k` being the video at time `start + k / fps`. The folder is one source when
/// splitting; extract each video into its own folder under a common root to train on several.
public enum VideoExtraction {
  /// Decodes `video` at `framesPerSecond` and writes each frame's views to `folder`.
  ///
  /// - Parameters:
  ///   - start: where to start, in seconds.
  ///   - duration: how many seconds to extract; to the end when `nil`.
  ///   - maximumFrames: stop after this many pairs.
  ///   - overwrite: replace frames already in `folder` instead of refusing; frames beyond the
  ///     new count (from an earlier, longer extraction) are removed.
  ///   - compressionLevel: zlib level of the PNG files (0-9); 3 is about twice as fast as 6 for
  ///     files about 10% larger.
  ///   - progress: called after each pair with the number written so far.
  /// - Returns: the number of pairs written.
  /// - Throws: ``StereoDataError`` when the video cannot be read (see ``VideoFrameReader``),
  ///   gives no frames, or `folder` already holds frames and `overwrite` is false.
  @discardableResult
  public static func extract(
    _ video: URL, layout: StereoVideoLayout, framesPerSecond: Double, to folder: URL,
    start: Double = 0, duration: Double? = nil, maximumFrames: Int? = nil,
    overwrite: Bool = false, compressionLevel: Int = 3, progress: (Int) -> Void = { _ in }
  ) throws -> Int {
    precondition((maximumFrames ?? 1) > 0, "maximumFrames must be positive")
    let leftFolder = folder.appendingPathComponent("left")
    let rightFolder = folder.appendingPathComponent("right")
    for subfolder in [leftFolder, rightFolder] {
      var existing = (try? FileManager.default.contentsOfDirectory(atPath: subfolder.path)) ?? []
      // Temporary files of an interrupted extraction (AtomicFile's names) go first.
      for name in existing where AtomicFile.isTemporaryName(name) {
        try? FileManager.default.removeItem(at: subfolder.appendingPathComponent(name))
      }
      existing.removeAll(where: AtomicFile.isTemporaryName)
      if !overwrite && existing.contains(where: { $0.hasSuffix(".png") }) {
        throw StereoDataError(
          .unwritable, subfolder,
          "already holds frames; choose another output folder or allow overwriting")
      }
    }
    let reader = try VideoFrameReader(
      url: video, layout: layout, framesPerSecond: framesPerSecond, start: start,
      duration: duration)
    defer { reader.close() }
    do {
      for subfolder in [leftFolder, rightFolder] {
        try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
      }
    } catch {
      throw StereoDataError(
        .unwritable, folder, "cannot create the output folder (\(error.localizedDescription))")
    }
    var written = 0
    while written < (maximumFrames ?? .max), let frame = try reader.next() {
      let (left, right) = frame.views()
      let name = String(format: "%06d.png", frame.index)
      try ImageIO.writePNG(
        left, to: leftFolder.appendingPathComponent(name), compressionLevel: compressionLevel)
      try ImageIO.writePNG(
        right, to: rightFolder.appendingPathComponent(name), compressionLevel: compressionLevel)
      written += 1
      progress(written)
    }
    guard written > 0 else {
      throw StereoDataError(.empty, video, "no frames were decoded (is the start past the end?)")
    }
    if overwrite {
      // The folder is one set of pairs: frames of an earlier, longer extraction go.
      for subfolder in [leftFolder, rightFolder] {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: subfolder.path)) ?? []
        where isFrameName(name, atOrAfter: written) {
          try? FileManager.default.removeItem(at: subfolder.appendingPathComponent(name))
        }
      }
    }
    return written
  }

  /// Whether `name` is a frame file this extraction names (`000123.png`) with an index of at
  /// least `count`.
  static func isFrameName(_ name: String, atOrAfter count: Int) -> Bool {
    guard name.count == 10, name.hasSuffix(".png"), let index = Int(name.prefix(6)),
      name.prefix(6).allSatisfy({ ("0"..."9").contains($0) })
    else { return false }
    return index >= count
  }
}
