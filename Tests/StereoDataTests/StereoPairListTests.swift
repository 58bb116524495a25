import Foundation
import StereoData
import Testing
import _StereoTestSupport

/// Finding many pairs: matching folders, `left/` + `right/`, list files, and the names outputs
/// go under.
@Suite("StereoPairList: folders, extracted folders and list files")
struct StereoPairListTests {
  static func touch(_ folder: TemporaryFolder, _ paths: [String]) throws {
    let image = Image(width: 4, height: 2, channels: 3, repeating: 0.5)
    for path in paths { try ImageIO.writePNG(image, to: folder.file(path)) }
  }

  @Test("Two folders pair by name without extension, sorted; an orphan is named")
  func folders() throws {
    let folder = try TemporaryFolder()
    try Self.touch(folder, ["l/b.png", "l/a.png", "r/a.png", "r/b.png", "l/notes.txt"])
    try Data("x".utf8).write(to: folder.file("l/notes.txt"))
    let pairs = try StereoPairList.pairs(
      leftFolder: folder.url.appendingPathComponent("l"),
      rightFolder: folder.url.appendingPathComponent("r"))
    #expect(pairs.map(\.name) == ["a", "b"])
    #expect(pairs[1].left.lastPathComponent == "b.png")
    #expect(pairs[1].right.deletingLastPathComponent().lastPathComponent == "r")
    try Self.touch(folder, ["l/c.png"])
    #expect(throws: StereoDataError.self) {
      try StereoPairList.pairs(
        leftFolder: folder.url.appendingPathComponent("l"),
        rightFolder: folder.url.appendingPathComponent("r"))
    }
    do {
      _ = try StereoPairList.pairs(
        leftFolder: folder.url.appendingPathComponent("l"),
        rightFolder: folder.url.appendingPathComponent("r"))
    } catch let error as StereoDataError {
      #expect(error.path.hasSuffix("l/c.png") && error.kind == .mismatch)
    }
  }

  @Test("A folder with left/ and right/ (what 'wnet extract' writes)")
  func extracted() throws {
    let folder = try TemporaryFolder()
    try Self.touch(
      folder, ["left/000000.png", "left/000001.png", "right/000000.png", "right/000001.png"])
    #expect(StereoPairList.isExtractedFolder(folder.url))
    let pairs = try StereoPairList.pairs(inExtractedFolder: folder.url)
    #expect(pairs.map(\.name) == ["000000", "000001"])
    #expect(!StereoPairList.isExtractedFolder(folder.url.appendingPathComponent("left")))
  }

  @Test("List files: relative paths, comments, given names, colliding stems → folder names")
  func listFile() throws {
    let folder = try TemporaryFolder()
    let list = folder.file("pairs.txt")
    try Data(
      """
      # scenes
      desk/left.png desk/right.png

      hall/left.png\thall/right.png
      /abs/l.png /abs/r.png custom

      """.utf8
    ).write(to: list)
    let pairs = try StereoPairList.pairs(listFile: list)
    #expect(pairs.map(\.name) == ["desk", "hall", "custom"])
    #expect(pairs[0].left.path == folder.url.appendingPathComponent("desk/left.png").path)
    #expect(pairs[2].right.path == "/abs/r.png")
    try Data("a.png\n".utf8).write(to: list)
    do {
      _ = try StereoPairList.pairs(listFile: list)
      Issue.record("a one-field line was accepted")
    } catch let error as StereoDataError {
      #expect(error.description.contains("line 1"))
    }
    try Data("# nothing\n".utf8).write(to: list)
    #expect(throws: StereoDataError.self) { try StereoPairList.pairs(listFile: list) }
  }

  @Test("Names: stems, else folder names, else pair-k")
  func names() {
    func urls(_ paths: [String]) -> [URL] { paths.map { URL(fileURLWithPath: $0) } }
    #expect(StereoPairList.uniqueNames(urls(["/a/x.png", "/a/y.png"])) == ["x", "y"])
    #expect(StereoPairList.uniqueNames(urls(["/a/x.png", "/b/x.png"])) == ["a", "b"])
    #expect(StereoPairList.uniqueNames(urls(["/a/x.png", "/a/x.jpg"])) == ["pair-1", "pair-2"])
  }
}
