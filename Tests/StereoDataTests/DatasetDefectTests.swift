import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Dataset defects that used to pass silently (issue 15) are errors naming the file.
@Suite("Dataset defects") struct DatasetDefectTests {
  private func middleburyScene(_ folder: TemporaryFolder, _ scene: String = "s") throws {
    try ImageIO.writePNG(
      TestImages.pattern(width: 12, height: 8, seed: 1), to: folder.file("\(scene)/im0.png"))
    try ImageIO.writePNG(
      TestImages.pattern(width: 12, height: 8, seed: 2), to: folder.file("\(scene)/im1.png"))
    try ImageIO.writePFM(
      Image(width: 12, height: 8, channels: 1, repeating: 2),
      to: folder.file("\(scene)/disp0GT.pfm"))
  }

  @Test("A view that is a folder, or a view without its partner, is an error, not a dropped pair")
  func folderView() throws {
    let folder = try TemporaryFolder()
    try middleburyScene(folder)
    let right = folder.url.appendingPathComponent("s/im1.png")
    try FileManager.default.removeItem(at: right)
    let lonely = #expect(throws: StereoDataError.self) {
      _ = try StereoDataset(contentsOf: folder.url)
    }
    #expect(lonely?.description.contains("im0.png") == true, "\(String(describing: lonely))")
    try FileManager.default.createDirectory(at: right, withIntermediateDirectories: true)
    let error = #expect(throws: StereoDataError.self) {
      _ = try StereoDataset(contentsOf: folder.url)
    }
    #expect(error?.description.contains("is a folder") == true, "\(String(describing: error))")
  }

  @Test("A non-occluded mask with no 255 is an error: it would leave nothing to score")
  func emptyMask() throws {
    let folder = try TemporaryFolder()
    try middleburyScene(folder)
    try ImageIO.writePNG(
      Image(width: 12, height: 8, channels: 1, repeating: 128.0 / 255),
      to: folder.file("s/mask0nocc.png"))
    let dataset = try StereoDataset(contentsOf: folder.url)
    let error = #expect(throws: StereoDataError.self) { _ = try dataset.sample(at: 0) }
    #expect(error?.description.contains("mask0nocc.png") == true, "\(String(describing: error))")
  }

  @Test("Ground truth beyond the image width is an error", arguments: [13, -13, 1e30])
  func absurdGroundTruth(value: Float) throws {
    let folder = try TemporaryFolder()
    try middleburyScene(folder)
    var map = Image(width: 12, height: 8, channels: 1, repeating: 2)
    map[3, 4, 0] = value
    try ImageIO.writePFM(map, to: folder.url.appendingPathComponent("s/disp0GT.pfm"))
    let dataset = try StereoDataset(contentsOf: folder.url)
    let error = #expect(throws: StereoDataError.self) { _ = try dataset.sample(at: 0) }
    #expect(error?.description.contains("disp0GT.pfm") == true, "\(String(describing: error))")
    // 12 (the width itself) is still accepted.
    map[3, 4, 0] = 12
    try ImageIO.writePFM(map, to: folder.url.appendingPathComponent("s/disp0GT.pfm"))
    #expect(try dataset.sample(at: 0).disparity?[3, 4, 0] == 12)
  }

  @Test("A KITTI ground truth in 16-bit RGB is an error even when its channels agree")
  func rgbKITTI() throws {
    let folder = try TemporaryFolder()
    let url = folder.file("gt.png")
    try ImageIO.writePNG(
      Image(width: 4, height: 2, channels: 3, repeating: 0.01), to: url, bitDepth: 16)
    let error = #expect(throws: StereoDataError.self) {
      _ = try ImageIO.readDisparity(url, encoding: .kitti)
    }
    #expect(error?.description.contains("grey") == true, "\(String(describing: error))")
  }

  @Test("calib.txt's ndisp must be a positive finite number", arguments: ["inf", "nan", "0", "-4"])
  func badDisparityBound(value: String) throws {
    let folder = try TemporaryFolder()
    let url = folder.file("calib.txt")
    try Data("cam0=[10 0 5; 0 10 4; 0 0 1]\ndoffs=0\nbaseline=100\nndisp=\(value)\n".utf8)
      .write(to: url)
    #expect(throws: StereoDataError.self) {
      _ = try StereoCalibration.readMiddleburyDisparityBound(url)
    }
  }
}
