import Foundation
import StereoTensor

extension SyntheticScene {
  /// Which view a ray starts from.
  public enum View: Sendable {
    /// The left (reference) view.
    case left
    /// The right view.
    case right
  }

  /// The surface seen along `view`'s ray through `(x, y)`, with the surface point's left-view
  /// column and its disparity; `nil` where no surface is hit.
  ///
  /// - Parameters:
  ///   - view: The view the point belongs to.
  ///   - x: The column in that view (pixel centres at integers).
  ///   - y: The row.
  /// - Returns: The seen surface's index in ``surfaces``, the left-view column of the point hit,
  ///   and its disparity; `nil` when no surface covers the ray.
  public func nearestSurface(
    in view: View, x: Float, y: Float
  ) -> (index: Int, leftX: Float, disparity: Float)? {
    RenderingSurfaces(self).nearest(in: view, x: x, y: y)
  }

  /// Renders both views, their disparities and non-occluded masks.
  ///
  /// Rows are rendered in parallel (``Parallel``); the result does not depend on the thread count.
  public func render() -> SyntheticStereoPair {
    let prepared = RenderingSurfaces(self)
    let (left, leftDisparity, leftMask) = renderView(.left, prepared)
    let (right, rightDisparity, rightMask) = renderView(.right, prepared)
    return SyntheticStereoPair(
      left: left, right: right, leftDisparity: leftDisparity, rightDisparity: rightDisparity,
      leftNonOccluded: leftMask, rightNonOccluded: rightMask)
  }

  private func renderView(
    _ view: View, _ prepared: RenderingSurfaces
  ) -> (color: Image, disparity: Image, mask: Image) {
    var color = [Float](repeating: 0, count: width * height * 3)
    var disparity = [Float](repeating: .nan, count: width * height)
    var mask = [Float](repeating: 0, count: width * height)
    let other: View = view == .left ? .right : .left
    // Sample offsets inside a pixel: the centres of an evenly divided grid.
    let offsetsX = (0..<horizontalSamples).map {
      (Float($0) + 0.5) / Float(horizontalSamples) - 0.5
    }
    let offsetsY = (0..<verticalSamples).map { (Float($0) + 0.5) / Float(verticalSamples) - 0.5 }
    let sampleWeight = 1 / Float(horizontalSamples * verticalSamples)
    let lastColumn = Float(width - 1)
    color.withUnsafeMutableBufferPointer { colorBuffer in
      disparity.withUnsafeMutableBufferPointer { disparityBuffer in
        mask.withUnsafeMutableBufferPointer { maskBuffer in
          Parallel.forEachRange(height, minimumChunk: 4) { rows in
            for row in rows {
              let y = Float(row)
              for column in 0..<width {
                let x = Float(column)
                let pixel = row * width + column
                var sum = SIMD3<Float>(repeating: 0)
                for offsetY in offsetsY {
                  for offsetX in offsetsX {
                    let sampleY = y + offsetY
                    if let hit = prepared.nearest(in: view, x: x + offsetX, y: sampleY) {
                      sum += prepared.surfaces[hit.index].texture.color(u: hit.leftX, v: sampleY)
                    }
                  }
                }
                let average = sampleWeight * sum
                colorBuffer[3 * pixel] = average.x
                colorBuffer[3 * pixel + 1] = average.y
                colorBuffer[3 * pixel + 2] = average.z

                guard let hit = prepared.nearest(in: view, x: x, y: y) else { continue }
                disparityBuffer[pixel] = hit.disparity
                // The same surface point in the other view, and whether it is seen there.
                let otherX = view == .left ? x - hit.disparity : x + hit.disparity
                if otherX >= 0 && otherX <= lastColumn,
                  let seen = prepared.nearest(in: other, x: otherX, y: y), seen.index == hit.index
                {
                  maskBuffer[pixel] = 1
                }
              }
            }
          }
        }
      }
    }
    return (
      Image(width: width, height: height, channels: 3, pixels: color),
      Image(width: width, height: height, channels: 1, pixels: disparity),
      Image(width: width, height: height, channels: 1, pixels: mask)
    )
  }
}

/// The scene's surfaces with rotations precomputed, for the inner loop.
struct RenderingSurfaces {
  enum Outline {
    case everywhere
    case rectangle(center: SIMD2<Float>, halfSize: SIMD2<Float>, cosine: Float, sine: Float)
    case ellipse(center: SIMD2<Float>, inverseRadii: SIMD2<Float>, cosine: Float, sine: Float)

    init(_ shape: SyntheticShape) {
      switch shape {
      case .everywhere:
        self = .everywhere
      case .rectangle(let center, let halfSize, let angle):
        self = .rectangle(
          center: center, halfSize: halfSize, cosine: Float(Foundation.cos(Double(angle))),
          sine: Float(Foundation.sin(Double(angle))))
      case .ellipse(let center, let radii, let angle):
        self = .ellipse(
          center: center, inverseRadii: 1 / radii, cosine: Float(Foundation.cos(Double(angle))),
          sine: Float(Foundation.sin(Double(angle))))
      }
    }

    /// Same test as ``SyntheticShape/contains(x:y:)``, with the rotation precomputed.
    @inline(__always)
    func contains(x: Float, y: Float) -> Bool {
      switch self {
      case .everywhere:
        return true
      case .rectangle(let center, let halfSize, let cosine, let sine):
        let dx = x - center.x
        let dy = y - center.y
        return abs(cosine * dx + sine * dy) <= halfSize.x
          && abs(-sine * dx + cosine * dy) <= halfSize.y
      case .ellipse(let center, let inverseRadii, let cosine, let sine):
        let dx = x - center.x
        let dy = y - center.y
        let u = (cosine * dx + sine * dy) * inverseRadii.x
        let v = (-sine * dx + cosine * dy) * inverseRadii.y
        return u * u + v * v <= 1
      }
    }
  }

  let surfaces: [SyntheticSurface]
  let outlines: [Outline]

  init(_ scene: SyntheticScene) {
    surfaces = scene.surfaces
    outlines = scene.surfaces.map { Outline($0.shape) }
  }

  @inline(__always)
  func nearest(
    in view: SyntheticScene.View, x: Float, y: Float
  ) -> (index: Int, leftX: Float, disparity: Float)? {
    var best: (index: Int, leftX: Float, disparity: Float)?
    for index in surfaces.indices {
      let plane = surfaces[index].plane
      let leftX = view == .left ? x : plane.leftColumn(rightX: x, y: y)
      guard outlines[index].contains(x: leftX, y: y) else { continue }
      let disparity = plane.disparity(x: leftX, y: y)
      // `>=`: on a tie the surface listed later wins.
      if let current = best, disparity < current.disparity { continue }
      best = (index, leftX, disparity)
    }
    return best
  }
}
