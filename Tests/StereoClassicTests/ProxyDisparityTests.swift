import Foundation
import StereoClassic
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

/// A synthetic scene with exact disparities for both views.
private func syntheticPair(seed: UInt64 = 21) -> SyntheticStereoPair {
  var generator = SeededGenerator(seed: seed)
  return SyntheticStereoGenerator(
    configuration: .init(width: 160, height: 96, minimumDisparity: 2, maximumDisparity: 30)
  ).makeScene(using: &generator).render()
}

/// Kept share and bad-3 (`|d − d*| > 3`) of a proxy map against ground truth, over the pixels
/// where the ground truth is known.
private func keptAndBad3(_ proxy: Image, truth: Image) -> (kept: Double, bad3: Double, count: Int) {
  var known = 0
  var kept = 0
  var bad = 0
  for (d, t) in zip(proxy.pixels, truth.pixels) where t.isFinite {
    known += 1
    guard d.isFinite else { continue }
    kept += 1
    if abs(d - t) > 3 { bad += 1 }
  }
  return (Double(kept) / Double(max(known, 1)), Double(bad) / Double(max(kept, 1)), kept)
}

@Suite("Proxy disparities")
struct ProxyDisparityTests {
  @Test("The right view's proxy, from the mirrored pair, matches the right ground truth")
  func rightProxyFromMirroredPair() throws {
    let pair = syntheticPair()
    let proxy = try StereoProxy.semiGlobal(
      left: pair.left, right: pair.right, maximumDisparity: 30)
    let left = keptAndBad3(proxy.leftDisparity, truth: pair.leftDisparity)
    let right = keptAndBad3(proxy.rightDisparity, truth: pair.rightDisparity)
    // Against the wrong view's truth the right proxy must do much worse (it is not a copy).
    let crossed = keptAndBad3(proxy.rightDisparity, truth: pair.leftDisparity)
    #expect(left.kept > 0.5 && right.kept > 0.5, "kept \(left.kept), \(right.kept)")
    #expect(left.bad3 < 0.04 && right.bad3 < 0.04, "bad-3 \(left.bad3), \(right.bad3)")
    #expect(crossed.bad3 > 3 * right.bad3, "crossed bad-3 \(crossed.bad3)")
    for (d, c) in zip(proxy.leftDisparity.pixels, proxy.leftConfidence.pixels) {
      if d.isFinite { #expect(c >= 0.5 && c <= 1) } else { #expect(c == 0) }
    }
  }

  @Test("The explicit cross-check only removes pixels, and removes wrong ones first")
  func crossCheckRemovesErrors() throws {
    let pair = syntheticPair(seed: 8)
    let checked = try StereoProxy.semiGlobal(
      left: pair.left, right: pair.right, maximumDisparity: 30)
    let unchecked = try StereoProxy.semiGlobal(
      left: pair.left, right: pair.right,
      configuration: .init(crossCheckTolerance: nil), maximumDisparity: 30)
    for (a, b) in zip(checked.leftDisparity.pixels, unchecked.leftDisparity.pixels)
    where a.isFinite {
      #expect(a == b)
    }
    let with = keptAndBad3(checked.leftDisparity, truth: pair.leftDisparity)
    let without = keptAndBad3(unchecked.leftDisparity, truth: pair.leftDisparity)
    #expect(with.kept <= without.kept)
    #expect(with.bad3 <= without.bad3, "bad-3 \(with.bad3) with, \(without.bad3) without")
  }

  @Test("Is computed once and cached under a key that changes with the parameters")
  func cachesByParameters() throws {
    let folder = try TemporaryFolder()
    let pair = syntheticPair()
    let (leftURL, rightURL) = (folder.file("im0.png"), folder.file("im1.png"))
    try ImageIO.writePNG(pair.left, to: leftURL)
    try ImageIO.writePNG(pair.right, to: rightURL)
    let files = StereoSampleFiles(identifier: "a/b", source: "a", left: leftURL, right: rightURL)
    let sample = try files.load()
    let cache = ProxyDisparityCache()
    let urls = cache.files(for: files, maximumDisparity: nil)
    #expect(urls.allSatisfy { $0.deletingLastPathComponent().path == folder.url.path }, "\(urls)")
    #expect(urls[0].lastPathComponent.hasPrefix("im0.sgbm-"))
    let first = try cache.proxy(for: files, sample: sample)
    #expect(urls.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    // A second call reads the files: planting a value there shows it is not recomputed.
    var planted = first.leftDisparity
    planted.pixels[0] = 123.5
    try ImageIO.writePFM(planted, to: urls[0])
    let second = try cache.proxy(for: files, sample: sample)
    #expect(second.leftDisparity.pixels[0] == 123.5)
    #expect(second.rightDisparity == first.rightDisparity)
    // Another parameter, another file; a given folder holds the identifier-named files.
    var matcher = ProxyDisparityConfiguration.standardMatcher
    matcher.uniquenessRatio = 15
    let other = ProxyDisparityCache(
      configuration: .init(matcher: matcher), folder: folder.file("proxies"))
    let otherURLs = other.files(for: files, maximumDisparity: nil)
    #expect(otherURLs[0].lastPathComponent != urls[0].lastPathComponent)
    #expect(otherURLs[0].lastPathComponent.hasPrefix("a_b.sgbm-"))
    _ = try other.proxy(for: files, sample: sample)
    #expect(FileManager.default.fileExists(atPath: otherURLs[3].path))
  }

  @Test("Is computed again when other views take the pair's name, to the same bits as before")
  func recomputesForOtherViews() throws {
    let folder = try TemporaryFolder()
    let (leftURL, rightURL) = (folder.file("scene/im0.png"), folder.file("scene/im1.png"))
    let files = StereoSampleFiles(
      identifier: "scene", source: "scene", left: leftURL, right: rightURL)
    /// Writes `pair`'s views as the pair's files and decodes them, with the scenes' bound.
    func place(_ pair: SyntheticStereoPair) throws -> StereoSample {
      try ImageIO.writePNG(pair.left, to: leftURL)
      try ImageIO.writePNG(pair.right, to: rightURL)
      var sample = try files.load()
      sample.maximumDisparity = 30
      return sample
    }
    let cache = ProxyDisparityCache(folder: folder.file("proxies"))
    let urls = cache.files(for: files, maximumDisparity: 30)
    let views = cache.viewsFile(for: files, maximumDisparity: 30)
    #expect(
      views.lastPathComponent
        == urls[0].lastPathComponent.replacingOccurrences(of: ".left.pfm", with: ".views"))
    let first = try cache.proxy(for: files, sample: try place(syntheticPair(seed: 21)))
    let firstBytes = try urls.map { try Data(contentsOf: $0) }
    // Other views under the same name (a resumed run's other --data): their own proxy, as the
    // matcher gives it directly, not the cached one.
    let second = try place(syntheticPair(seed: 8))
    let expected = try StereoProxy.semiGlobal(
      left: second.left, right: second.right, maximumDisparity: 30)
    #expect(expected.leftDisparity != first.leftDisparity)
    let cached = try cache.proxy(for: files, sample: second)
    #expect(cached.leftDisparity == expected.leftDisparity)
    #expect(cached.rightConfidence == expected.rightConfidence)
    #expect(try Data(contentsOf: urls[0]) != firstBytes[0])
    // The first views again, with their files but no record (a cache written before records
    // existed), one value planted: computed again, to the very bytes they had.
    let again = try place(syntheticPair(seed: 21))
    for (url, bytes) in zip(urls, firstBytes) { try bytes.write(to: url) }
    try FileManager.default.removeItem(at: views)
    var planted = first.leftDisparity
    planted.pixels[0] = 123.5
    try ImageIO.writePFM(planted, to: urls[0])
    _ = try cache.proxy(for: files, sample: again)
    #expect(try urls.map { try Data(contentsOf: $0) } == firstBytes)
    #expect(FileManager.default.fileExists(atPath: views.path))
  }

  @Test("The loader delivers cached proxies in its batches")
  func loaderCarriesProxies() throws {
    let folder = try TemporaryFolder()
    for index in 0..<2 {
      let pair = syntheticPair(seed: UInt64(30 + index))
      let scene = folder.file("scene\(index)")
      try FileManager.default.createDirectory(at: scene, withIntermediateDirectories: true)
      try ImageIO.writePNG(pair.left, to: scene.appendingPathComponent("im0.png"))
      try ImageIO.writePNG(pair.right, to: scene.appendingPathComponent("im1.png"))
    }
    let dataset = try StereoDataset(contentsOf: folder.url)
    let loader = try StereoBatchLoader(
      dataset: dataset,
      configuration: .init(batchSize: 2, height: 48, width: 64, seed: 3, workerCount: 1),
      proxyProvider: ProxyDisparityCache(folder: folder.file("cache")))
    let batch = try loader.trainingBatches().next()
    let proxy = try #require(batch.proxyDisparity)
    #expect(proxy.shape == [2, 48, 64, 1])
    #expect(try #require(batch.proxyConfidence).shape == [2, 48, 64, 1])
    let validation = try loader.validationBatches()
    #expect(validation.first?.rightProxyDisparity?.shape == [2, 48, 64, 1])
  }

  /// Prints the proxy's kept share and bad-3 on the Middlebury development sets at full
  /// resolution (for the report): `WNET_PROXY_REPORT=1 swift test --filter proxyReport`.
  @Test(
    "Report: kept share and bad-3 on Middlebury",
    .enabled(
      if: ProcessInfo.processInfo.environment["WNET_PROXY_REPORT"] != nil
        && sharedDataRoot != nil, "set WNET_PROXY_REPORT=1 (needs ../shared/data)"))
  func proxyReport() throws {
    let root = try #require(sharedDataRoot)
    for name in ["middlebury-2001-2003", "middlebury-2005-2006"] {
      let dataset = try StereoDataset(contentsOf: root.appendingPathComponent(name))
      for (label, tolerance) in [("SGBM checks", nil), ("+ cross-check 1 px", Float(1))] {
        var (known, kept, bad) = (0, 0, 0)
        var lines: [String] = []
        for index in dataset.samples.indices {
          let sample = try dataset.sample(at: index)
          let truth = try #require(sample.disparity)
          let proxy = try StereoProxy.semiGlobal(
            left: sample.left, right: sample.right,
            configuration: .init(crossCheckTolerance: tolerance),
            maximumDisparity: sample.maximumDisparity)
          let result = keptAndBad3(proxy.leftDisparity, truth: truth)
          let pairKnown = truth.pixels.filter(\.isFinite).count
          known += pairKnown
          kept += result.count
          bad += Int((result.bad3 * Double(result.count)).rounded())
          lines.append(
            String(
              format: "%@ %.1f%% kept, bad-3 %.2f%%", sample.identifier, 100 * result.kept,
              100 * result.bad3))
        }
        print(
          String(
            format: "PROXY %@ [%@]: kept %.1f%% of GT pixels, bad-3 %.2f%% (%@)", name, label,
            100 * Double(kept) / Double(known), 100 * Double(bad) / Double(kept),
            lines.joined(separator: "; ")))
      }
    }
  }
}
