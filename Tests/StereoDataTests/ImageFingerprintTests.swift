import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// `ImageFingerprint` against hand-computed cells, and `StereoDataset.removingDuplicates(of:)`
/// on folders written here.
@Suite("Image fingerprints") struct ImageFingerprintTests {
  @Test("A cell is the mean of its block's pixels and channels")
  func cellsAreBlockMeans() {
    // 32 x 16: each cell is one row and two columns; channel c adds c / 10.
    var image = Image(width: 32, height: 16, channels: 2)
    for y in 0..<16 {
      for x in 0..<32 {
        for c in 0..<2 { image[y, x, c] = Float(y * 32 + x) / 512 + Float(c) / 10 }
      }
    }
    let fingerprint = ImageFingerprint(image)
    #expect(fingerprint.aspect == 2)
    #expect(fingerprint.cells.count == 256)
    for (i, j) in [(0, 0), (3, 7), (15, 15)] {
      // Mean of (i·32 + 2j)/512 and (i·32 + 2j + 1)/512, plus the channels' mean 0.05.
      let expected = (Float(i * 32 + 2 * j) + 0.5) / 512 + 0.05
      #expect(abs(fingerprint.cells[i * 16 + j] - expected) < 1e-6)
    }
  }

  @Test("An image smaller than the thumbnail repeats its pixels")
  func smallImage() {
    var image = Image(width: 4, height: 4, channels: 1)
    for y in 0..<4 { for x in 0..<4 { image[y, x, 0] = Float(y * 4 + x) / 16 } }
    let cells = ImageFingerprint(image).cells
    // Cell (5, 9) starts at row ⌊5·4/16⌋ = 1 and column ⌊9·4/16⌋ = 2 and holds that pixel.
    #expect(cells[5 * 16 + 9] == Float(1 * 4 + 2) / 16)
    #expect(cells[0] == 0 && cells[255] == 15 / 16)
  }

  @Test("The same picture at another size is a duplicate; another picture or shape is not")
  func duplicates() {
    let small = ImageFingerprint(TestImages.smooth(width: 64, height: 48))
    let large = ImageFingerprint(TestImages.smooth(width: 128, height: 96))
    let other = ImageFingerprint(TestImages.smooth(width: 64, height: 48, phase: 0.5))
    let square = ImageFingerprint(TestImages.smooth(width: 64, height: 64))
    #expect(small.isDuplicate(of: large) && large.isDuplicate(of: small))
    #expect((small.distance(to: large) ?? 1) < 0.01)
    #expect(!small.isDuplicate(of: other))
    #expect((small.distance(to: other) ?? 0) > 0.1)
    #expect(small.distance(to: square) == nil && !small.isDuplicate(of: square))
  }

  @Test("A dataset loses the pairs whose left view is a reference's, at any size")
  func removingDuplicates() throws {
    let folder = try TemporaryFolder()
    let write = { (path: String, image: Image) in
      try ImageIO.writePNG(image, to: folder.file(path))
    }
    try write("train/a/left.png", TestImages.smooth(width: 64, height: 48))
    try write("train/a/right.png", TestImages.smooth(width: 64, height: 48, phase: 0.1))
    try write("train/b/left.png", TestImages.smooth(width: 64, height: 48, phase: 0.5))
    try write("train/b/right.png", TestImages.smooth(width: 64, height: 48, phase: 0.6))
    try write("eval/t/left.png", TestImages.smooth(width: 128, height: 96))
    try write("eval/t/right.png", TestImages.smooth(width: 128, height: 96, phase: 0.1))
    let training = try StereoDataset(contentsOf: folder.file("train"))
    let reference = try StereoDataset(contentsOf: folder.file("eval"))
    let (kept, removed) = try training.removingDuplicates(of: reference)
    #expect(kept.samples.map(\.identifier) == ["b"])
    #expect(removed.map(\.identifier) == ["a"])
    #expect(kept.root == training.root)
    let (all, none) = try training.removingDuplicates(
      of: StereoDataset(root: folder.url, samples: []))
    #expect(all.samples == training.samples && none.isEmpty)
  }
}
