import Foundation
import StereoDepth
import Testing

@Suite("Synthetic scene settings")
struct SyntheticSceneSettingsTests {
  @Test("Files without thin bars decode as before and are written as before; bars round-trip")
  func coding() throws {
    let plain = SyntheticSceneSettings()
    let data = try JSONEncoder().encode(plain)
    let text = String(decoding: data, as: UTF8.self)
    #expect(!text.contains("thinBars"), "\(text)")
    let old = try JSONDecoder().decode(SyntheticSceneSettings.self, from: data)
    #expect(old == plain && old.thinBars == 0...0)
    let barred = SyntheticSceneSettings(thinBars: 0...3)
    let decoded = try JSONDecoder().decode(
      SyntheticSceneSettings.self, from: JSONEncoder().encode(barred))
    #expect(decoded == barred)
    let model = WNetConfiguration(preset: .matching)
    #expect(
      barred.generatorConfiguration(width: 64, height: 32, model: model).thinBars == 0...3)
    #expect(SyntheticSceneSettings(thinBars: -1...2).problems.count == 1)
  }

  @Test("Folds are written only when set, round-trip, reach the generator and are checked")
  func folds() throws {
    let text = String(decoding: try JSONEncoder().encode(SyntheticSceneSettings()), as: UTF8.self)
    #expect(!text.contains("foldProbability"), "\(text)")
    let folded = SyntheticSceneSettings(foldProbability: 0.5)
    let decoded = try JSONDecoder().decode(
      SyntheticSceneSettings.self, from: JSONEncoder().encode(folded))
    #expect(decoded == folded && decoded.foldProbability == 0.5)
    let model = WNetConfiguration(preset: .matching)
    #expect(
      folded.generatorConfiguration(width: 64, height: 32, model: model).foldProbability == 0.5)
    #expect(SyntheticSceneSettings(foldProbability: 1.5).problems.count == 1)
    #expect(SyntheticSceneSettings(foldProbability: -0.1).problems.count == 1)
  }

  @Test("Wood grain is written only when set, round-trips, reaches the generator and is checked")
  func grain() throws {
    let text = String(decoding: try JSONEncoder().encode(SyntheticSceneSettings()), as: UTF8.self)
    #expect(!text.contains("grainProbability"), "\(text)")
    let grained = SyntheticSceneSettings(grainProbability: 0.3)
    let decoded = try JSONDecoder().decode(
      SyntheticSceneSettings.self, from: JSONEncoder().encode(grained))
    #expect(decoded == grained && decoded.grainProbability == 0.3)
    let model = WNetConfiguration(preset: .matching)
    #expect(
      grained.generatorConfiguration(width: 64, height: 32, model: model).grainProbability == 0.3)
    #expect(SyntheticSceneSettings(grainProbability: 1.5).problems.count == 1)
    #expect(SyntheticSceneSettings(grainProbability: -0.1).problems.count == 1)
  }
}
