/// A 16×16 grey thumbnail of an image, to find the same picture again at any size: two left
/// views are duplicates when their shapes agree within 2% and their thumbnails within 0.03 on
/// average.
///
/// For an image of `H × W` pixels (`C` channels in [0, 1]), cell `(i, j)` of the thumbnail is the
/// mean over the pixels `y ∈ [⌊i·H/16⌋, ⌊(i+1)·H/16⌋)`, `x ∈ [⌊j·W/16⌋, ⌊(j+1)·W/16⌋)` and the
/// channels (an empty range takes the pixel at its start), and
///
///     distance(a, b) = (1/256) Σ |a.cell − b.cell|   when |a.aspect / b.aspect − 1| ≤ 0.02,
///
/// `aspect = W / H`; shapes that differ more are never duplicates.
///
/// Why: MiddEval3's `Teddy` (among the Middlebury 2014 training pairs) is the 2003 `teddy` that
/// is an evaluation scene, at the same 450×375: their distance is 0.0001. Over `../shared/data`
/// (`benchmarks/duplicate_views.py`; docs/RUNS.md, "An evaluation scene among the training
/// pairs") every other evaluation view lies at least 0.18 from every training view of its shape.
/// The nearest distinct training views are the same scene under other lighting or rectification
/// (`Piano`/`PianoL` 0.0000, `Playtable`/`PlaytableP` 0.011) and consecutive KITTI frames
/// (0.016-0.020): the threshold calls those the same picture too, as it should a frame beside an
/// evaluation frame.
public struct ImageFingerprint: Sendable, Equatable {
  /// Cells per side.
  public static let side = 16
  /// The mean cell difference at or below which two pictures of the same shape are the same.
  public static let duplicateDistance: Float = 0.03
  /// The largest relative difference of the aspect ratios of two duplicates.
  public static let aspectTolerance: Double = 0.02

  /// `width / height` of the image.
  public var aspect: Double
  /// `side × side` cells, row-major: the mean grey value of each.
  public var cells: [Float]

  /// The fingerprint of `image` (any size of at least 1×1, any channel count).
  public init(_ image: Image) {
    precondition(
      image.width > 0 && image.height > 0,
      "ImageFingerprint: empty image \(image.width)x\(image.height)")
    let side = Self.side
    let (h, w, c) = (image.height, image.width, image.channels)
    aspect = Double(w) / Double(h)
    var cells = [Float](repeating: 0, count: side * side)
    for i in 0..<side {
      let y0 = i * h / side
      let y1 = Swift.max((i + 1) * h / side, y0 + 1)
      for j in 0..<side {
        let x0 = j * w / side
        let x1 = Swift.max((j + 1) * w / side, x0 + 1)
        var sum: Double = 0
        for y in y0..<y1 {
          let row = y * w * c
          for index in (row + x0 * c)..<(row + x1 * c) { sum += Double(image.pixels[index]) }
        }
        cells[i * side + j] = Float(sum / Double((y1 - y0) * (x1 - x0) * c))
      }
    }
    self.cells = cells
  }

  /// The mean absolute difference of the cells, or `nil` when the shapes differ by more than
  /// ``aspectTolerance``.
  public func distance(to other: ImageFingerprint) -> Float? {
    guard abs(aspect / other.aspect - 1) <= Self.aspectTolerance else { return nil }
    var sum: Float = 0
    for (a, b) in zip(cells, other.cells) { sum += abs(a - b) }
    return sum / Float(cells.count)
  }

  /// Whether `other` is the same picture (see the type's rule).
  public func isDuplicate(of other: ImageFingerprint) -> Bool {
    distance(to: other).map { $0 <= Self.duplicateDistance } ?? false
  }
}
