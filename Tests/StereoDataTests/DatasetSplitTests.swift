import Foundation
import Testing

@testable import StereoData

@Suite("Splits by source") struct DatasetSplitTests {
  /// Ten sources with 1-3 pairs each; files are not read.
  private func dataset() -> StereoDataset {
    var samples: [StereoSampleFiles] = []
    for source in 0..<10 {
      for frame in 0..<(1 + source % 3) {
        let url = URL(fileURLWithPath: "/data/s\(source)/\(frame).png")
        samples.append(
          StereoSampleFiles(
            identifier: "s\(source)/\(frame)", source: "s\(source)", left: url, right: url))
      }
    }
    return StereoDataset(root: URL(fileURLWithPath: "/data"), samples: samples.reversed())
  }

  @Test("A fraction holds out whole sources, reproducibly for a seed")
  func fraction() throws {
    let data = dataset()
    let (training, validation, split) = try data.split(.fraction(0.3, seed: 7))
    #expect(split.validationSources.count == 3)
    #expect(Set(training.samples.map(\.source)).isDisjoint(with: validation.samples.map(\.source)))
    #expect(training.samples.count + validation.samples.count == data.samples.count)
    // Every pair of a held-out source is held out.
    for source in split.validationSources {
      #expect(
        validation.samples.filter { $0.source == source }.count
          == data.samples.filter { $0.source == source }.count)
    }
    // Same seed, same split, whatever the scanning order; another seed differs.
    let reordered = StereoDataset(root: data.root, samples: data.samples.shuffled())
    #expect(try reordered.split(.fraction(0.3, seed: 7)).split == split)
    let others = try (1...5).map {
      try data.split(.fraction(0.3, seed: UInt64(100 + $0))).split.validationSources
    }
    #expect(others.contains { $0 != split.validationSources })
  }

  @Test("Named sources are held out; unknown names and emptying the training set are errors")
  func heldOut() throws {
    let data = dataset()
    let (training, validation, split) = try data.split(.heldOut(["s2", "s5"]))
    #expect(split.validationSources == ["s2", "s5"])
    #expect(Set(validation.samples.map(\.source)) == ["s2", "s5"])
    #expect(!training.samples.contains { $0.source == "s2" })
    #expect(throws: StereoDataError.self) { try data.split(.heldOut(["s99"])) }
    #expect(throws: StereoDataError.self) { try data.split(.heldOut(data.sources)) }
    let single = data.restricted(to: ["s1"])
    #expect(throws: StereoDataError.self) { try single.split(.fraction(0.5, seed: 1)) }
    #expect(try data.split(.none).validation.isEmpty)
  }

  @Test("A split round-trips through JSON and applies to a dataset that grew")
  func json() throws {
    let data = dataset()
    let split = try data.split(.fraction(0.2, seed: 3)).split
    let json = try split.jsonData()
    #expect(String(decoding: json, as: UTF8.self).contains("\"validationSources\""))
    let decoded = try DatasetSplit(jsonData: json)
    #expect(decoded == split)
    var grown = data
    let url = URL(fileURLWithPath: "/data/new/0.png")
    grown.samples.append(
      StereoSampleFiles(identifier: "new/0", source: "new", left: url, right: url))
    let (training, validation) = grown.applying(decoded)
    #expect(Set(validation.samples.map(\.source)) == Set(split.validationSources))
    #expect(training.samples.contains { $0.source == "new" })
  }
}
