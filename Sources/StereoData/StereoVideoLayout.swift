import Foundation

/// How a 3D video packs its two views into one frame. The left eye's view comes first (left or
/// top half).
///
/// Full layouts keep each view at full resolution (a 3840×1080 side-by-side frame holds two
/// 1920×1080 views). Half layouts squeeze each view to half width (or height) so the frame has
/// the size of one view; readers stretch the views back to the full frame's aspect by bilinear
/// interpolation (a 1920×1080 half side-by-side frame gives two 1920×1080 views).
public enum StereoVideoLayout: String, Sendable, Hashable, Codable, CaseIterable {
  /// Side by side, each view at full resolution.
  case sideBySide = "sbs"
  /// Side by side, each view squeezed to half width.
  case halfSideBySide = "half-sbs"
  /// Top and bottom, each view at full resolution.
  case topBottom = "tb"
  /// Top and bottom, each view squeezed to half height.
  case halfTopBottom = "half-tb"

  /// Whether the views sit side by side (split along x) rather than top and bottom.
  public var isSideBySide: Bool { self == .sideBySide || self == .halfSideBySide }

  /// Whether each view is squeezed and must be stretched back by 2.
  public var isHalf: Bool { self == .halfSideBySide || self == .halfTopBottom }

  /// The size of each packed half of a `width × height` frame.
  public func halfSize(frameWidth width: Int, frameHeight height: Int) -> (width: Int, height: Int)
  {
    isSideBySide ? (width / 2, height) : (width, height / 2)
  }

  /// The size of each view as readers return it, for a `width × height` frame.
  public func viewSize(frameWidth width: Int, frameHeight height: Int) -> (width: Int, height: Int)
  {
    let half = halfSize(frameWidth: width, frameHeight: height)
    guard isHalf else { return half }
    return isSideBySide ? (half.width * 2, half.height) : (half.width, half.height * 2)
  }

  /// Checks that a `width × height` frame splits into two equal halves.
  ///
  /// - Throws: ``StereoDataError`` naming `url` when the split dimension is odd or too small.
  public func validate(frameWidth width: Int, frameHeight height: Int, of url: URL) throws {
    try validate(frameWidth: width, frameHeight: height, path: url.path)
  }

  /// ``validate(frameWidth:frameHeight:of:)`` for a source named `path` (a file's path, or
  /// "standard input").
  public func validate(frameWidth width: Int, frameHeight height: Int, path: String) throws {
    let (dimension, name) = isSideBySide ? (width, "width") : (height, "height")
    guard dimension >= 2, dimension % 2 == 0 else {
      throw StereoDataError(
        .unsupported, path: path,
        "a \(rawValue) layout splits the frame's \(name) into two equal halves, but the frames are "
          + "\(width)x\(height) (odd \(name))")
    }
  }
}
