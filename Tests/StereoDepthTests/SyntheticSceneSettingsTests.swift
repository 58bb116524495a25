import Foundation
import StereoData
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

  /// A probability setting is written only when set, round-trips, reaches the generator and is
  /// checked: `make` builds the settings with it, `key` is its JSON key, `read` reads it back from
  /// the settings and `generated` from the generator's configuration; `value` is the one set.
  func checkProbability(
    key: String, value: Float, make: (Float) -> SyntheticSceneSettings,
    read: (SyntheticSceneSettings) -> Float,
    generated: (SyntheticStereoGenerator.Configuration) -> Float
  ) throws {
    let text = String(decoding: try JSONEncoder().encode(SyntheticSceneSettings()), as: UTF8.self)
    #expect(!text.contains(key), "\(text)")
    let set = make(value)
    let decoded = try JSONDecoder().decode(
      SyntheticSceneSettings.self, from: JSONEncoder().encode(set))
    #expect(decoded == set && read(decoded) == value)
    let model = WNetConfiguration(preset: .matching)
    #expect(generated(set.generatorConfiguration(width: 64, height: 32, model: model)) == value)
    #expect(make(1.5).problems.count == 1)
    #expect(make(-0.1).problems.count == 1)
  }

  @Test("Folds are written only when set, round-trip, reach the generator and are checked")
  func folds() throws {
    try checkProbability(
      key: "foldProbability", value: 0.5, make: { SyntheticSceneSettings(foldProbability: $0) },
      read: \.foldProbability, generated: \.foldProbability)
  }

  @Test("Wood grain is written only when set, round-trips, reaches the generator and is checked")
  func grain() throws {
    try checkProbability(
      key: "grainProbability", value: 0.3, make: { SyntheticSceneSettings(grainProbability: $0) },
      read: \.grainProbability, generated: \.grainProbability)
  }
}
