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
}
