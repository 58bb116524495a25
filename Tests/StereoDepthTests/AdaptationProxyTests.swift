import Foundation
import StereoClassic
import StereoData
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// `--adapt N` with the SGBM proxy term (``TestTimeAdaptation/proxyWeight``).
@Suite("Test-time adaptation with the SGBM proxy")
struct AdaptationProxyTests {
  static let configuration = WNetConfiguration(
    preset: .realtime, minimumDisparity: 0, maximumDisparity: 15)
  static let pair = constantShiftPair(batch: 1, height: 48, width: 96, shift: 5, seed: 21)

  /// Confidence-weighted `Σ c|d − p| / Σ c` written out, for one view.
  static func weightedError(_ d: [Float], _ p: [Float], _ c: [Float]) -> Double {
    var (sum, weight) = (0.0, 0.0)
    for i in d.indices where c[i] > 0 && p[i].isFinite {
      sum += Double(c[i]) * Double(abs(d[i] - p[i]))
      weight += Double(c[i])
    }
    return weight > 0 ? sum / weight : 0
  }

  @Test("The proxy term is in the adapted loss: λ·Σ_views Σ c|d − p| / Σ c, written out")
  func proxyTermInLoss() throws {
    let model = WNet(configuration: Self.configuration, seed: 7)
    let (l, r) = Self.pair
    let weight: Float = 3
    let without = try TestTimeAdaptation(steps: 0, proxyWeight: 0).adapted(model, left: l, right: r)
    let with = try TestTimeAdaptation(steps: 0, proxyWeight: weight).adapted(
      model, left: l, right: r)
    // The proxy from OpenCV directly, and the model's disparities from its training graph.
    let proxy = try StereoProxy.semiGlobal(
      left: Image(l), right: Image(r), maximumDisparity: 15)
    var context = ForwardContext.inference
    let output = withoutGradients { model(left: l, right: r, context: &context) }
    let term =
      Self.weightedError(
        output.left.disparity.scalars, proxy.leftDisparity.pixels, proxy.leftConfidence.pixels)
      + Self.weightedError(
        output.right.disparity.scalars, proxy.rightDisparity.pixels, proxy.rightConfidence.pixels)
    #expect(term > 0.1, "a random model is far from SGBM's disparities")
    let added = Double(with.before - without.before)
    #expect(abs(added - Double(weight) * term) < 1e-3 * max(1, Double(weight) * term))
  }

  @Test("Adapting with the proxy moves the disparity towards SGBM's")
  func adaptationMovesTowardsProxy() throws {
    let model = WNet(configuration: Self.configuration, seed: 7)
    let (l, r) = Self.pair
    let proxy = try StereoProxy.semiGlobal(
      left: Image(l), right: Image(r), maximumDisparity: 15)
    func error(_ m: WNet) -> Double {
      var context = ForwardContext.inference
      let output = withoutGradients { m(left: l, right: r, context: &context) }
      return Self.weightedError(
        output.left.disparity.scalars, proxy.leftDisparity.pixels, proxy.leftConfidence.pixels)
    }
    let steps = 15
    let pulled = try TestTimeAdaptation(steps: steps, learningRate: 3e-3, proxyWeight: 5)
      .adapted(model, left: l, right: r).model
    let (start, withProxy) = (error(model), error(pulled))
    // (On this textured pair the photometric loss alone also reaches SGBM's answer, so the
    // comparison that isolates the term is the loss test above.)
    #expect(withProxy < 0.5 * start, "\(start) → \(withProxy) px from the proxy")
  }
}
