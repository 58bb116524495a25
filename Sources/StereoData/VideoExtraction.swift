import Foundation
import StereoTensor

/// Writes the frames of a 3D video as stereo pairs in the folder layout.
///
/// A video extracted to `DIR` gives `DIR/left/000000.png` and `DIR/right/000000.png`, … (8-bit
/// RGB), frame `k` being the video at time `start + k / fps`. The folder is one source when
/// splitting; extract each video into its own folder under a common root to train on several.
///
/// Every frame's two files appear together or not at all, as a dataset needs them
/// (``DatasetScanner`` refuses a view without its partner): both are written to temporary files
/// and flushed first, then renamed into place, the right view before the left
/// (``writePair(left:right:name:in:compressionLevel:)``), and a stop request (`stop`, e.g.
/// SIGTERM through `wnet extract`'s handler) is only honoured between pairs. Only a process
/// killed outright (SIGKILL, power loss) between the two renames can leave a right view alone;
/// the next extraction into the folder removes it first (``removeUnpairedFrames(in:)``), as it
/// removes temporary files.
public enum VideoExtraction {
  /// Decodes `video` at `framesPerSecond` and writes each frame's views to `folder`.
  ///
  /// - Parameters:
  ///   - video: the 3D video.
  ///   - layout: how its frames pack the two views.
  ///   - framesPerSecond: the rate at which frames are taken.
  ///   - folder: where `left/` and `right/` go.
  ///   - start: where to start, in seconds.
  ///   - duration: how many seconds to extract; to the end when `nil`.
  ///   - maximumFrames: stop after this many pairs.
  ///   - overwrite: replace frames already in `folder` instead of refusing; frames beyond the
  ///     new count (from an earlier, longer extraction) are removed.
  ///   - compressionLevel: zlib level of the PNG files (0-9); 3 is about twice as fast as 6 for
  ///     files about 10% larger.
  ///   - stop: asked before each pair; when it returns true the extraction ends there, every
  ///     pair written complete (with `overwrite`, frames of an earlier extraction past them are
  ///     removed once a pair has been written).
  ///   - progress: called after each pair with the number written so far.
  /// - Returns: the number of pairs written (0 only when `stop` ended it before the first).
  /// - Throws: ``StereoDataError`` when the video cannot be read (see ``VideoFrameReader``),
  ///   gives no frames, or `folder` already holds frames and `overwrite` is false.
  @discardableResult
  public static func extract(
    _ video: URL, layout: StereoVideoLayout, framesPerSecond: Double, to folder: URL,
    start: Double = 0, duration: Double? = nil, maximumFrames: Int? = nil,
    overwrite: Bool = false, compressionLevel: Int = 3, stoppingWhen stop: () -> Bool = { false },
    progress: (Int) -> Void = { _ in }
  ) throws -> Int {
    precondition((maximumFrames ?? 1) > 0, "maximumFrames must be positive")
    let leftFolder = folder.appendingPathComponent("left")
    let rightFolder = folder.appendingPathComponent("right")
    // A view left alone by an extraction killed between a pair's two files.
    removeUnpairedFrames(in: folder)
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
    var stopped = false
    while written < (maximumFrames ?? .max) {
      if stop() {
        stopped = true
        break
      }
      guard let frame = try reader.next() else { break }
      let (left, right) = frame.views()
      try writePair(
        left: left, right: right, name: String(format: "%06d.png", frame.index), in: folder,
        compressionLevel: compressionLevel)
      written += 1
      progress(written)
    }
    guard written > 0 || stopped else {
      throw StereoDataError(.empty, video, "no frames were decoded (is the start past the end?)")
    }
    if overwrite && written > 0 {
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

  /// Writes one frame's views as `folder/left/<name>` and `folder/right/<name>` (8-bit PNG).
  ///
  /// The two files appear together: both are encoded, written to temporary files and flushed to
  /// disk first, then renamed into place, the right view first (``AtomicFile``'s steps, with
  /// nothing slow left between the two renames). A failure removes what it wrote.
  ///
  /// - Throws: ``StereoDataError`` of kind `.unwritable`.
  static func writePair(
    left: Image, right: Image, name: String, in folder: URL, compressionLevel: Int
  ) throws {
    let leftURL = folder.appendingPathComponent("left").appendingPathComponent(name)
    let rightURL = folder.appendingPathComponent("right").appendingPathComponent(name)
    let files = [
      (try ImageIO.pngData(right, for: rightURL, compressionLevel: compressionLevel), rightURL),
      (try ImageIO.pngData(left, for: leftURL, compressionLevel: compressionLevel), leftURL),
    ].map { (data: $0.0, url: $0.1, temporary: AtomicFile.temporaryURL(for: $0.1)) }
    var placed: [URL] = []
    do {
      for file in files {
        do {
          try file.data.write(to: file.temporary)
          let handle = try FileHandle(forWritingTo: file.temporary)
          defer { try? handle.close() }
          try handle.synchronize()
        } catch {
          throw StereoDataError(
            .unwritable, file.url, "cannot be written (\(error.localizedDescription))")
        }
      }
      for file in files {
        do {
          try AtomicFile.moveIntoPlace(file.temporary, over: file.url)
        } catch let error as AtomicFile.WriteError {
          throw StereoDataError(
            .unwritable, path: error.path, "cannot be written (\(error.reason))")
        }
        placed.append(file.url)
      }
    } catch {
      for file in files { try? FileManager.default.removeItem(at: file.temporary) }
      for url in placed { try? FileManager.default.removeItem(at: url) }
      throw error
    }
  }

  /// Removes the frame files (`000123.png`) of `folder/left` and `folder/right` whose partner in
  /// the other folder is missing, as a process killed while writing a pair leaves them.
  ///
  /// - Returns: The names removed, per folder (`left/000011.png`), sorted.
  @discardableResult
  static func removeUnpairedFrames(in folder: URL) -> [String] {
    func frames(_ side: String) -> Set<String> {
      let names =
        (try? FileManager.default.contentsOfDirectory(
          atPath: folder.appendingPathComponent(side).path)) ?? []
      return Set(names.filter { isFrameName($0, atOrAfter: 0) })
    }
    let (left, right) = (frames("left"), frames("right"))
    let unpaired =
      left.subtracting(right).map { "left/" + $0 } + right.subtracting(left).map { "right/" + $0 }
    for path in unpaired {
      try? FileManager.default.removeItem(at: folder.appendingPathComponent(path))
    }
    return unpaired.sorted()
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
