import Foundation
import StereoTensor
import Testing

@testable import StereoData

/// Proxies stay aligned with the views through the loader's crops, scaling and flips.
@Suite("Proxy alignment") struct StereoProxyTests {
  /// A synthetic scene whose exact disparities (both views) serve as the proxy, with confidence
  /// encoding each pixel's position (`(y·W + x) / (H·W)`) so that positions can be traced.
  private func sceneWithProxy(width: Int = 96, height: Int = 64) -> StereoSample {
    var generator = SeededGenerator(seed: 5)
    let pair = SyntheticStereoGenerator(
      configuration: .init(width: width, height: height, minimumDisparity: 3, maximumDisparity: 14)
    ).makeScene(using: &generator).render()
    let positions = Image(
      width: width, height: height, channels: 1,
      pixels: (0..<(width * height)).map { Float($0) / Float(width * height) })
    var sample = StereoSample(
      left: pair.left, right: pair.right, disparity: pair.leftDisparity, source: "s",
      identifier: "s")
    sample.proxy = StereoProxy(
      leftDisparity: pair.leftDisparity, leftConfidence: positions,
      rightDisparity: pair.rightDisparity, rightConfidence: positions)
    return sample
  }

  /// Mean |left(x) − right(x − d(x))| over pixels with a finite `d` (right sampled linearly).
  private func warpError(left: Image, right: Image, disparity: Image) -> Float {
    var sum: Float = 0
    var count = 0
    for y in 0..<left.height {
      for x in 0..<left.width {
        let d = disparity[y, x, 0]
        guard d.isFinite else { continue }
        let source = Float(x) - d
        let x0 = Int(source.rounded(.down))
        guard x0 >= 0, x0 + 1 < left.width else { continue }
        let t = source - Float(x0)
        for c in 0..<3 {
          let sampled = (1 - t) * right[y, x0, c] + t * right[y, x0 + 1, c]
          sum += abs(left[y, x, c] - sampled)
        }
        count += 3
      }
    }
    return sum / Float(max(count, 1))
  }

  @Test("A crop without scaling moves values; a flip swaps and mirrors the views' proxies")
  func cropAndFlipPositions() throws {
    let sample = sceneWithProxy()
    let proxy = try #require(sample.proxy)
    var generator = SeededGenerator(seed: 1)
    var plan = AugmentationPlan(
      configuration: .cropOnly, imageWidth: 96, imageHeight: 64, cropWidth: 40, cropHeight: 24,
      using: &generator)
    (plan.scale, plan.originX, plan.originY, plan.flip) = (1, 17, 9, false)
    let cut = plan.apply(to: proxy, cropWidth: 40, cropHeight: 24)
    for (y, x) in [(0, 0), (5, 31), (23, 39)] {
      #expect(cut.leftDisparity[y, x, 0] == proxy.leftDisparity[y + 9, x + 17, 0])
      #expect(cut.leftConfidence[y, x, 0] == proxy.leftConfidence[y + 9, x + 17, 0])
      #expect(cut.rightDisparity[y, x, 0] == proxy.rightDisparity[y + 9, x + 17, 0])
    }
    plan.flip = true
    let flipped = plan.apply(to: proxy, cropWidth: 40, cropHeight: 24)
    for (y, x) in [(0, 0), (5, 31), (23, 39)] {
      // New left column x is old right column originX + (39 − x), and vice versa.
      #expect(flipped.leftDisparity[y, x, 0] == proxy.rightDisparity[y + 9, 17 + 39 - x, 0])
      #expect(flipped.leftConfidence[y, x, 0] == proxy.rightConfidence[y + 9, 17 + 39 - x, 0])
      #expect(flipped.rightDisparity[y, x, 0] == proxy.leftDisparity[y + 9, 17 + 39 - x, 0])
    }
  }

  @Test(
    "After shrinking or enlarging, and flipping, the proxy still maps the left view onto the right",
    arguments: [Float(0.75), 1.5, 2.5], [false, true])
  func warpConsistency(scale: Float, flip: Bool) throws {
    let sample = sceneWithProxy()
    var generator = SeededGenerator(seed: 2)
    var plan = AugmentationPlan(
      configuration: .cropOnly, imageWidth: 96, imageHeight: 64, cropWidth: 64, cropHeight: 40,
      using: &generator)
    (plan.scale, plan.originX, plan.originY, plan.flip) = (scale, 5, 3, flip)
    let (left, right) = plan.apply(to: sample, cropWidth: 64, cropHeight: 40)
    let proxy = plan.apply(to: try #require(sample.proxy), cropWidth: 64, cropHeight: 40)
    let aligned = warpError(left: left, right: right, disparity: proxy.leftDisparity)
    // The right view's proxy maps right x to left x + d: the same check with the roles swapped.
    let rightAligned = warpError(
      left: right.flippedHorizontally(), right: left.flippedHorizontally(),
      disparity: proxy.rightDisparity.flippedHorizontally())
    // Controls that must fail: the proxy unscaled, or the other view's proxy.
    var unscaled = proxy.leftDisparity
    for index in unscaled.pixels.indices { unscaled.pixels[index] /= scale }
    let wrongScale = warpError(left: left, right: right, disparity: unscaled)
    let wrongView = warpError(left: left, right: right, disparity: proxy.rightDisparity)
    #expect(aligned < 0.03, "left proxy warp error \(aligned)")
    #expect(rightAligned < 0.03, "right proxy warp error \(rightAligned)")
    #expect(wrongScale > 2 * aligned, "unscaled \(wrongScale) vs \(aligned)")
    // Enlarged, the window sees a few planes only, where both views' proxies nearly agree; the
    // unscaled control is the one that enlargement must pass.
    if scale < 1 {
      #expect(wrongView > aligned, "other view's proxy \(wrongView) vs \(aligned)")
    }
  }

  @Test("The validation fit scales the proxy like the ground truth")
  func fittedCarriesProxy() throws {
    let sample = sceneWithProxy()
    let fitted = sample.fitted(width: 48, height: 32)
    let proxy = try #require(fitted.proxy)
    let truth = try #require(fitted.disparity)
    #expect(proxy.leftDisparity == truth)
    #expect(proxy.leftDisparity.width == 48 && proxy.leftDisparity.height == 32)
  }

  @Test("Batches stack the proxies of every sample, or none")
  func batchStacksProxies() throws {
    let sample = sceneWithProxy(width: 16, height: 8)
    let proxy = try #require(sample.proxy)
    let batch = StereoBatch(
      lefts: [sample.left, sample.left], rights: [sample.right, sample.right],
      disparities: [nil, nil], proxies: [proxy, proxy.flippedWithSwappedViews()],
      identifiers: ["a", "b"], index: 0)
    let stacked = try #require(batch.proxyDisparity)
    #expect(stacked.shape == [2, 8, 16, 1])
    let second = Array(stacked.scalars[(8 * 16)...])
    #expect(second == proxy.rightDisparity.flippedHorizontally().pixels)
    #expect(try #require(batch.rightProxyConfidence).shape == [2, 8, 16, 1])
    let partial = StereoBatch(
      lefts: [sample.left, sample.left], rights: [sample.right, sample.right],
      disparities: [nil, nil], proxies: [proxy, nil], identifiers: ["a", "b"], index: 0)
    #expect(partial.proxyDisparity == nil)
  }
}
