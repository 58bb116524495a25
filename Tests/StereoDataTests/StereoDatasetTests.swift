import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Each layout, read from small fixtures written into a temporary folder.
@Suite("Dataset layouts") struct StereoDatasetTests {
  private func writePair(
    _ folder: TemporaryFolder, _ left: String, _ right: String, width: Int = 12, height: Int = 8,
    seed: UInt64 = 1
  ) throws {
    let leftURL = folder.file(left)
    let rightURL = folder.file(right)
    let write = { (image: Image, url: URL) in
      if url.pathExtension == "jpg" {
        try ImageIO.writeJPEG(image, to: url)
      } else {
        try ImageIO.writePNG(image, to: url)
      }
    }
    try write(TestImages.pattern(width: width, height: height, seed: seed), leftURL)
    try write(TestImages.pattern(width: width, height: height, seed: seed + 100), rightURL)
  }

  private func disparityMap(width: Int = 12, height: Int = 8) -> Image {
    var map = Image(width: width, height: height, channels: 1, repeating: 3.5)
    map[0, 0, 0] = .infinity
    return map
  }

  @Test("Folder layout: <scene>/left + right, PNG and JPEG, with optional disparity")
  func sceneFolders() throws {
    let folder = try TemporaryFolder()
    try writePair(folder, "alpha/left.png", "alpha/right.png")
    try writePair(folder, "beta/left.jpg", "beta/right.jpg", seed: 5)
    try ImageIO.writePFM(disparityMap(), to: folder.file("alpha/disparity.pfm"))
    let dataset = try StereoDataset(contentsOf: folder.url)
    #expect(dataset.samples.map(\.identifier) == ["alpha", "beta"])
    #expect(dataset.sources == ["alpha", "beta"])
    #expect(dataset.formats == [.folder])
    let alpha = try dataset.sample(at: 0)
    #expect(alpha.left == TestImages.pattern(width: 12, height: 8, seed: 1))
    #expect(alpha.right == TestImages.pattern(width: 12, height: 8, seed: 101))
    #expect(alpha.disparity?.pixels[0] == .infinity && alpha.disparity?.pixels[1] == 3.5)
    let beta = try dataset.sample(at: 1)
    #expect(beta.disparity == nil && beta.left.channels == 3)
  }

  @Test("Folder layout as fetch-samples.sh writes Aloe: left.jpg, right.jpg, disp0GT.png")
  func aloeLayout() throws {
    let folder = try TemporaryFolder()
    // Wider than the largest disparity (a disparity beyond the width is refused as corrupt).
    try writePair(folder, "aloe/left.jpg", "aloe/right.jpg", width: 256)
    // 8-bit values 0 (unknown), 7, 211 (Aloe's largest) and 255: disparity = value.
    var stored = Image(width: 256, height: 8, channels: 1, repeating: 7 / 255)
    stored[0, 0, 0] = 0
    stored[1, 2, 0] = 211 / 255
    stored[7, 255, 0] = 1
    try ImageIO.writePNG(stored, to: folder.file("aloe/disp0GT.png"))
    // The folder itself, as `wnet eval --data ~/.cache/wnet/samples/aloe` names it.
    let dataset = try StereoDataset(contentsOf: folder.url.appendingPathComponent("aloe"))
    #expect(dataset.samples.map(\.identifier) == ["aloe"] && dataset.formats == [.folder])
    let truth = try #require(try dataset.sample(at: 0).disparity)
    #expect(truth[0, 0, 0] == .infinity)
    #expect(truth[1, 2, 0] == 211 && truth[7, 255, 0] == 255 && truth[4, 4, 0] == 7)
    // A KITTI disparity.png beside it takes precedence, as before.
    try ImageIO.writeKITTIDisparity(
      disparityMap(width: 256), to: folder.file("aloe/disparity.png"))
    let kitti = try StereoDataset(contentsOf: folder.url.appendingPathComponent("aloe"))
    #expect(try kitti.sample(at: 0).disparity?[1, 2, 0] == 3.5)
  }

  @Test("Folder layout: left/ and right/ folders with matching names form one source")
  func leftRightFolders() throws {
    let folder = try TemporaryFolder()
    for name in ["000000.png", "000001.png", "000002.jpg"] {
      try writePair(folder, "clip/left/\(name)", "clip/right/\(name)")
    }
    try ImageIO.writeKITTIDisparity(
      disparityMap(), to: folder.file("clip/disparity/000001.png"))
    let dataset = try StereoDataset(contentsOf: folder.url.appendingPathComponent("clip"))
    #expect(dataset.samples.map(\.identifier) == ["clip/000000", "clip/000001", "clip/000002"])
    #expect(dataset.sources == ["clip"])
    #expect(dataset.samples[1].disparity?.encoding == .kitti)
    #expect(try dataset.sample(at: 1).disparity?.pixels[5] == 3.5)

    // A left view without its right partner is an error naming the missing file.
    try writePair(folder, "clip/left/000003.png", "elsewhere/000003.png")
    do {
      _ = try StereoDataset(contentsOf: folder.url)
      Issue.record("an unmatched view was accepted")
    } catch let error as StereoDataError {
      #expect(
        error.description.hasSuffix(
          "clip/right/000003.png: is missing (the right view of left/000003.png)"))
    }
  }

  @Test("Folder layout: PPM views (as LIBELAS and KITTI tools write them) are found too")
  func netpbmViews() throws {
    let folder = try TemporaryFolder()
    // 2x1 binary PPMs written by hand: left red, green; right blue, white.
    func ppm(_ bytes: [UInt8]) -> Data { Data("P6\n2 1\n255\n".utf8) + Data(bytes) }
    try ppm([255, 0, 0, 0, 255, 0]).write(to: folder.file("clip/left/000000.ppm"))
    try ppm([0, 0, 255, 255, 255, 255]).write(to: folder.file("clip/right/000000.ppm"))
    let dataset = try StereoDataset(contentsOf: folder.url.appendingPathComponent("clip"))
    #expect(dataset.samples.map(\.identifier) == ["clip/000000"])
    let sample = try dataset.sample(at: 0)
    #expect(sample.left.pixels == [1, 0, 0, 0, 1, 0])
    #expect(sample.right.pixels == [0, 0, 1, 1, 1, 1])
  }

  @Test("KITTI 2015 and 2012: views, occluded and non-occluded ground truth, calibration")
  func kitti() throws {
    let folder = try TemporaryFolder()
    for name in ["000000_10.png", "000000_11.png", "000001_10.png"] {
      try writePair(folder, "kitti15/training/image_2/\(name)", "kitti15/training/image_3/\(name)")
      try writePair(
        folder, "kitti12/training/colored_0/\(name)", "kitti12/training/colored_1/\(name)")
    }
    var occluded = disparityMap()
    occluded[1, 1, 0] = 7.25
    var nonOccluded = occluded
    nonOccluded[1, 1, 0] = .infinity
    for (occ, noc) in [
      ("kitti15/training/disp_occ_0", "kitti15/training/disp_noc_0"),
      ("kitti12/training/disp_occ", "kitti12/training/disp_noc"),
    ] {
      try ImageIO.writeKITTIDisparity(occluded, to: folder.file("\(occ)/000000_10.png"))
      try ImageIO.writeKITTIDisparity(nonOccluded, to: folder.file("\(noc)/000000_10.png"))
    }
    let calibration =
      "P_rect_02: 721.5377 0 609.5593 44.85728 0 721.5377 172.854 0.2163791 0 0 1 0.002745884\n"
      + "P_rect_03: 721.5377 0 609.5593 -339.5242 0 721.5377 172.854 2.199936 0 0 1 0.002729905\n"
    try Data(calibration.utf8).write(
      to: folder.file("kitti15/training/calib_cam_to_cam/000000.txt"))

    let dataset = try StereoDataset(contentsOf: folder.url, format: .kitti)
    #expect(dataset.samples.count == 6)
    #expect(dataset.formats == [.kitti])
    #expect(
      dataset.sources == [
        "kitti12/training/000000", "kitti12/training/000001", "kitti15/training/000000",
        "kitti15/training/000001",
      ])
    let index = try #require(
      dataset.samples.firstIndex { $0.identifier == "kitti15/training/000000_10" })
    let sample = try dataset.sample(at: index)
    #expect(sample.disparity?[1, 1, 0] == 7.25 && sample.disparity?[0, 0, 0] == .infinity)
    #expect(sample.nonOccludedMask?[1, 1, 0] == 0 && sample.nonOccludedMask?[2, 2, 0] == 1)
    let rig = try #require(sample.calibration)
    #expect(abs(rig.focalLength - 721.5377) < 1e-3 && abs(rig.baseline - 0.5327) < 1e-3)
    #expect(try dataset.sample(at: index + 1).disparity == nil)  // the _11 frame has none
  }

  @Test("Middlebury 2014 / ETH3D: im0, im1, disp0GT.pfm, mask0nocc.png, calib.txt")
  func middlebury() throws {
    let folder = try TemporaryFolder()
    for scene in ["trainingQ/Adirondack", "trainingH/Adirondack", "trainingQ/Jadeplant"] {
      try writePair(folder, "\(scene)/im0.png", "\(scene)/im1.png")
    }
    try ImageIO.writePFM(disparityMap(), to: folder.file("trainingQ/Adirondack/disp0GT.pfm"))
    var mask = Image(width: 12, height: 8, channels: 1, repeating: 1)
    mask[0, 1, 0] = 128.0 / 255
    try ImageIO.writePNG(mask, to: folder.file("trainingQ/Adirondack/mask0nocc.png"))
    let calib =
      "cam0=[1000.5 0 300; 0 1000.5 200; 0 0 1]\ncam1=[1000.5 0 310; 0 1000.5 200; 0 0 1]\n"
      + "doffs=10\nbaseline=176.25\nwidth=12\nheight=8\nndisp=64\n"
    try Data(calib.utf8).write(to: folder.file("trainingQ/Adirondack/calib.txt"))

    let dataset = try StereoDataset(contentsOf: folder.url)
    #expect(dataset.formats == [.middlebury])
    // Two resolutions of one scene are one source.
    #expect(dataset.sources == ["Adirondack", "Jadeplant"])
    let index = try #require(dataset.samples.firstIndex { $0.identifier == "trainingQ/Adirondack" })
    let sample = try dataset.sample(at: index)
    #expect(sample.disparity?[0, 0, 0] == .infinity && sample.disparity?[0, 1, 0] == 3.5)
    #expect(sample.nonOccludedMask?[0, 1, 0] == 0 && sample.nonOccludedMask?[0, 2, 0] == 1)
    #expect(
      sample.calibration
        == StereoCalibration(focalLength: 1000.5, baseline: 0.17625, disparityOffset: 10))
    #expect(abs((sample.calibration?.depth(disparity: 90) ?? 0) - 1000.5 * 0.17625 / 100) < 1e-5)
    #expect(sample.maximumDisparity == 64)  // calib.txt's ndisp
    let other = try #require(dataset.samples.firstIndex { $0.identifier == "trainingQ/Jadeplant" })
    #expect(try dataset.sample(at: other).maximumDisparity == nil)  // no calib.txt
  }

  @Test("Middlebury 2001-2003: groundtruth.png / scale from info.txt, three masks")
  func middlebury2001() throws {
    let folder = try TemporaryFolder()
    try writePair(folder, "venus/imL.png", "venus/imR.png")
    var truth = Image(width: 12, height: 8, channels: 1, repeating: 40.0 / 255)
    truth[0, 0, 0] = 0
    try ImageIO.writePNG(truth, to: folder.file("venus/groundtruth.png"))
    try Data("8\n19".utf8).write(to: folder.file("venus/info.txt"))
    for name in ["nonocc", "all", "disc"] {
      try ImageIO.writePNG(
        Image(width: 12, height: 8, channels: 1, repeating: 1),
        to: folder.file("venus/\(name).png"))
    }
    let dataset = try StereoDataset(contentsOf: folder.url)
    #expect(dataset.formats == [.middlebury2001])
    let sample = try dataset.sample(at: 0)
    #expect(sample.disparity?[0, 0, 0] == .infinity && sample.disparity?[0, 1, 0] == 5)
    #expect(sample.maximumDisparity == 19)  // info.txt's second line
    #expect(
      sample.nonOccludedMask != nil && sample.evaluationMask != nil
        && sample.discontinuityMask != nil)

    try Data("eight\n".utf8).write(to: folder.file("venus/info.txt"))
    #expect(throws: StereoDataError.self) { try StereoDataset(contentsOf: folder.url) }
  }

  @Test("Malformed data: views of different sizes, empty folders, missing paths, corrupt views")
  func malformed() throws {
    let folder = try TemporaryFolder()
    try ImageIO.writePNG(
      TestImages.pattern(width: 12, height: 8), to: folder.file("scene/left.png"))
    try ImageIO.writePNG(
      TestImages.pattern(width: 10, height: 8), to: folder.file("scene/right.png"))
    let dataset = try StereoDataset(contentsOf: folder.url)
    do {
      _ = try dataset.sample(at: 0)
      Issue.record("views of different sizes were accepted")
    } catch let error as StereoDataError {
      #expect(error.kind == .mismatch)
      #expect(
        error.description.hasSuffix(
          "scene/right.png: right view is 10x8 but the left view left.png is 12x8"))
    }

    let empty = try TemporaryFolder()
    try FileManager.default.createDirectory(
      at: empty.url.appendingPathComponent("nothing/here"), withIntermediateDirectories: true)
    #expect(throws: StereoDataError.self) { try StereoDataset(contentsOf: empty.url) }
    try FileManager.default.createDirectory(
      at: empty.url.appendingPathComponent("clip/left"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: empty.url.appendingPathComponent("clip/right"), withIntermediateDirectories: true)
    do {
      _ = try StereoDataset(contentsOf: empty.url.appendingPathComponent("clip"))
      Issue.record("an empty left/ folder was accepted")
    } catch let error as StereoDataError {
      #expect(
        error.kind == .empty && error.description.contains("clip/left: holds no PNG or JPEG images")
      )
    }
    #expect(throws: StereoDataError.self) {
      try StereoDataset(contentsOf: empty.url.appendingPathComponent("absent"))
    }

    try Data("garbage".utf8).write(to: folder.file("broken/left.png"))
    try ImageIO.writePNG(
      TestImages.pattern(width: 12, height: 8), to: folder.file("broken/right.png"))
    let withBroken = try StereoDataset(contentsOf: folder.url)
    let broken = try #require(withBroken.samples.firstIndex { $0.identifier == "broken" })
    #expect(throws: StereoDataError.self) { try withBroken.sample(at: broken) }

    // A video in a folder needs a layout.
    try Data().write(to: folder.file("movies/film.mkv"))
    #expect(throws: StereoDataError.self) {
      try StereoDataset(contentsOf: folder.url.appendingPathComponent("movies"))
    }
  }

  /// Pair files under `/data/<root>/<identifier>` (nothing is read).
  private func files(_ identifier: String, in root: String) -> StereoSampleFiles {
    let folder = URL(fileURLWithPath: "/data/\(root)/\(identifier)")
    return StereoSampleFiles(
      identifier: identifier, source: identifier,
      left: folder.appendingPathComponent("left.png"),
      right: folder.appendingPathComponent("right.png"))
  }

  @Test("Merging prefixes the identifiers that several datasets hold, and only those")
  func mergingSharedIdentifiers() {
    let first = StereoDataset(
      root: URL(fileURLWithPath: "/data/wA"),
      samples: ["scene-0000", "scene-0001", "kitti/000001", "only-a"].map { files($0, in: "wA") })
    let second = StereoDataset(
      root: URL(fileURLWithPath: "/data/wB"),
      samples: ["scene-0000", "scene-0001", "kitti_000001", "only-b"].map { files($0, in: "wB") })
    let merged = StereoDataset(merging: [first, second])
    // kitti/000001 and kitti_000001 name the same proxy file (`/` → `_`).
    #expect(
      merged.samples.map(\.identifier) == [
        "wA/scene-0000", "wA/scene-0001", "wA/kitti/000001", "only-a",
        "wB/scene-0000", "wB/scene-0001", "wB/kitti_000001", "only-b",
      ])
    #expect(merged.samples.map(\.source).prefix(2) == ["wA/scene-0000", "wA/scene-0001"])
    // Nothing shared: every identifier as it was.
    let third = StereoDataset(
      root: URL(fileURLWithPath: "/data/wC"), samples: ["c0", "c1"].map { files($0, in: "wC") })
    let apart = StereoDataset(merging: [first, third])
    #expect(
      apart.samples.map(\.identifier) == [
        "scene-0000", "scene-0001", "kitti/000001", "only-a", "c0", "c1",
      ])
  }

  @Test("Merging roots of one folder name tells shared identifiers apart by position")
  func mergingRootsOfOneName() {
    let first = StereoDataset(
      root: URL(fileURLWithPath: "/x/data"),
      samples: [files("scene", in: "x"), files("a", in: "x")])
    let second = StereoDataset(
      root: URL(fileURLWithPath: "/y/data"), samples: [files("scene", in: "y")])
    let merged = StereoDataset(merging: [first, second])
    #expect(merged.samples.map(\.identifier) == ["data-1/scene", "a", "data-2/scene"])
  }

  @Test(
    "The README recipe's training sets share no pair name: merging them renames none",
    .enabled(if: sharedDataRoot != nil, "../shared/data is absent"))
  func recipeNamesUnchanged() throws {
    let root = try #require(sharedDataRoot)
    let datasets = try [
      "eth3d-two-view", "middlebury-2014-quarter", "kitti-odometry-sample", "real-unlabelled",
    ].map { try StereoDataset(contentsOf: root.appendingPathComponent($0)) }
    let merged = StereoDataset(merging: datasets)
    // Their proxy files, named by these, must keep their names (docs/RUNS.md's runs read them).
    #expect(merged.samples.map(\.identifier) == datasets.flatMap { $0.samples.map(\.identifier) })
    #expect(merged.samples.count == 27 + 13 + 102 + 21)
  }

  @Test(
    "The shared development data is recognised",
    .enabled(if: sharedDataRoot != nil, "../shared/data is absent"))
  func sharedData() throws {
    let root = try #require(sharedDataRoot)
    let dataset = try StereoDataset(contentsOf: root)
    // The counts of ../shared/data/README.md: 2001-2003, 2014 quarter, ETH3D, 2005-2006, KITTI
    // odometry, real-unlabelled.
    #expect(dataset.formats == [.folder, .middlebury2001, .middlebury])
    #expect(dataset.samples.count == 3 + 13 + 27 + 4 + 102 + 21)
    let tsukubaIndex = try #require(
      dataset.samples.firstIndex { $0.identifier == "middlebury-2001-2003/tsukuba" })
    let tsukuba = try dataset.sample(at: tsukubaIndex)
    #expect(tsukuba.width == 384 && tsukuba.height == 288)
    // tsukuba's groundtruth.png is a 4-bit palette of greys with scale 16; 0 = unknown.
    let disparity = try #require(tsukuba.disparity)
    let known = disparity.pixels.filter(\.isFinite)
    #expect(known.count > disparity.pixels.count * 3 / 4)  // an 18-pixel border is unknown
    #expect(known.min() ?? 0 >= 5 && known.max() ?? 99 <= 14)
    let mask = try #require(tsukuba.nonOccludedMask)
    #expect(Set(mask.pixels) == [0, 1])
    #expect(tsukuba.evaluationMask != nil && tsukuba.discontinuityMask != nil)
  }
}
