import Foundation

/// One rectified pair to process, by file, with the name its outputs go under.
public struct NamedStereoPair: Sendable, Equatable {
  /// A file-system-safe name, unique within its list: outputs go to `OUTPUT/<name>/`.
  public var name: String
  /// The left view's file.
  public var left: URL
  /// The right view's file.
  public var right: URL

  /// Creates a pair.
  public init(name: String, left: URL, right: URL) {
    self.name = name
    self.left = left
    self.right = right
  }
}

/// Finds the pairs to process in one run: two folders of views with matching names, a folder
/// holding `left/` and `right/` (what `wnet extract` writes), or a list file.
///
/// Names are the left file's name without its extension (`left/000012.png` → `000012`). When
/// those collide (a list of `scene/left.png` files), the left file's folder name is used
/// (`oakd-desk/left.png` → `oakd-desk`); when those collide too, `pair-<k>` (k from 1).
public enum StereoPairList {
  /// The pairs in two folders: each image in `leftFolder` with the image of the same name without
  /// extension in `rightFolder`, sorted by name.
  ///
  /// - Throws: ``StereoDataError`` when a folder is unreadable or empty, or when a file in one
  ///   folder has no partner in the other (naming the first such file), or when two files of
  ///   one folder have the same name without extension (`a.png` and `a.jpg`).
  public static func pairs(leftFolder: URL, rightFolder: URL) throws -> [NamedStereoPair] {
    let leftFiles = try images(in: leftFolder)
    let rightFiles = try images(in: rightFolder)
    for files in [leftFiles, rightFiles] {
      var seen: [String: URL] = [:]
      for file in files {
        let stem = file.deletingPathExtension().lastPathComponent
        if let other = seen[stem] {
          throw StereoDataError(
            .mismatch, file,
            "has the same name as \(other.lastPathComponent): which one pairs is ambiguous")
        }
        seen[stem] = file
      }
    }
    let rightByName = Dictionary(
      rightFiles.map { ($0.deletingPathExtension().lastPathComponent, $0) },
      uniquingKeysWith: { first, _ in first })
    let leftNames = Set(leftFiles.map { $0.deletingPathExtension().lastPathComponent })
    var pairs: [NamedStereoPair] = []
    for left in leftFiles {
      let name = left.deletingPathExtension().lastPathComponent
      guard let right = rightByName[name] else {
        throw StereoDataError(
          .mismatch, left, "has no partner named \(name).* in \(rightFolder.path)")
      }
      pairs.append(NamedStereoPair(name: name, left: left, right: right))
    }
    if let orphan = rightFiles.first(where: {
      !leftNames.contains($0.deletingPathExtension().lastPathComponent)
    }) {
      throw StereoDataError(
        .mismatch, orphan,
        "has no partner named \(orphan.deletingPathExtension().lastPathComponent).* in "
          + leftFolder.path)
    }
    return pairs
  }

  /// The pairs in a folder that holds `left/` and `right/` (the layout `wnet extract` writes).
  ///
  /// - Throws: ``StereoDataError`` when either subfolder is missing, or as
  ///   ``pairs(leftFolder:rightFolder:)`` does.
  public static func pairs(inExtractedFolder folder: URL) throws -> [NamedStereoPair] {
    try pairs(
      leftFolder: folder.appendingPathComponent("left"),
      rightFolder: folder.appendingPathComponent("right"))
  }

  /// Whether `folder` holds both a `left/` and a `right/` folder.
  public static func isExtractedFolder(_ folder: URL) -> Bool {
    isFolder(folder.appendingPathComponent("left"))
      && isFolder(folder.appendingPathComponent("right"))
  }

  /// The pairs in a list file: one pair a line, `LEFT RIGHT` or `LEFT RIGHT NAME`, separated by
  /// spaces or tabs; blank lines and lines starting with `#` are skipped. Relative paths are
  /// resolved against the list file's folder. Paths with spaces are not supported.
  ///
  /// - Throws: ``StereoDataError`` naming the file and line when a line has one or more than
  ///   three fields, when a given name repeats or equals another pair's name from its file, or
  ///   when the list holds no pair.
  public static func pairs(listFile: URL) throws -> [NamedStereoPair] {
    let text = String(decoding: try FileContents.read(listFile), as: UTF8.self)
    let base = listFile.deletingLastPathComponent()
    var files: [(left: URL, right: URL, name: String?)] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard fields.count == 2 || fields.count == 3 else {
        throw StereoDataError(
          .corrupt, listFile,
          "line \(index + 1) has \(fields.count) fields; expected 'LEFT RIGHT [NAME]'")
      }
      func resolved(_ path: String) -> URL {
        path.hasPrefix("/")
          ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
      }
      if fields.count == 3, !isSafeName(fields[2]) {
        throw StereoDataError(
          .corrupt, listFile,
          "line \(index + 1): the name '\(fields[2])' must not be empty, '.', '..' or hold '/'")
      }
      files.append((resolved(fields[0]), resolved(fields[1]), fields.count == 3 ? fields[2] : nil))
    }
    guard !files.isEmpty else { throw StereoDataError(.empty, listFile, "lists no pair") }
    let given = files.compactMap(\.name)
    if let repeated = duplicates(given).first {
      throw StereoDataError(.corrupt, listFile, "the name '\(repeated)' is given twice")
    }
    let names = uniqueNames(files.map(\.left))
    let pairs = files.enumerated().map { index, file in
      NamedStereoPair(name: file.name ?? names[index], left: file.left, right: file.right)
    }
    // A given name may equal another pair's name from its file: both would write one folder.
    if let repeated = duplicates(pairs.map(\.name)).first {
      throw StereoDataError(
        .corrupt, listFile,
        "two pairs would be named '\(repeated)' (one given, one from its file's name); "
          + "give that pair another name")
    }
    return pairs
  }

  /// A name for each left file, following the rule in the type's documentation.
  public static func uniqueNames(_ leftFiles: [URL]) -> [String] {
    let stems = leftFiles.map { $0.deletingPathExtension().lastPathComponent }
    if duplicates(stems).isEmpty { return stems }
    let folders = leftFiles.map { $0.deletingLastPathComponent().lastPathComponent }
    if duplicates(folders).isEmpty, folders.allSatisfy(isSafeName) { return folders }
    return leftFiles.indices.map { "pair-\($0 + 1)" }
  }

  /// The image files (``ImageIO/imageExtensions``) directly in `folder`, sorted by name.
  static func images(in folder: URL) throws -> [URL] {
    guard isFolder(folder) else {
      throw StereoDataError(.unreadable, folder, "is not a folder")
    }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    } catch {
      throw StereoDataError(.unreadable, folder, "cannot be listed")
    }
    let files =
      names
      .filter { ImageIO.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
      .sorted()
      .map { folder.appendingPathComponent($0) }
    guard !files.isEmpty else { throw StereoDataError(.empty, folder, "holds no image") }
    return files
  }

  /// Whether `url` is an existing folder.
  public static func isFolder(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  static func isSafeName(_ name: String) -> Bool {
    !name.isEmpty && name != "." && name != ".." && !name.contains("/")
  }

  static func duplicates(_ names: [String]) -> [String] {
    var seen = Set<String>()
    var repeated: [String] = []
    for name in names where !seen.insert(name).inserted { repeated.append(name) }
    return repeated
  }
}
