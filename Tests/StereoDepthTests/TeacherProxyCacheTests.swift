import Foundation
import StereoClassic
import StereoData
import StereoDepth
import Testing
import _StereoTestSupport

/// `wnet train --proxy-teacher`: a model's own left-right-checked disparities as proxies.
@Suite("TeacherProxyCache: a model's disparities as proxies")
struct TeacherProxyCacheTests {
  /// The bundled file as the teacher, and a 96×64 pair shifted by `shift` px as a dataset pair
  /// whose views are written to `folder` (`l.png`, `r.png`) and whose proxies go there too.
  static func fixture(in folder: URL, shift: Int = 12, seed: UInt64 = 17) throws -> (
    teacher: URL, left: Image, right: Image, files: StereoSampleFiles, sample: StereoSample
  ) {
    let teacher = try #require(
      PretrainedModel.candidates(for: .matching).first {
        FileManager.default.fileExists(atPath: $0.path)
      })
    let (left, right) = DisparityEstimatorTests.shiftedPair(
      width: 96, height: 64, shift: shift, seed: seed)
    let files = StereoSampleFiles(
      identifier: "scene/pair", source: "scene", left: folder.appendingPathComponent("l.png"),
      right: folder.appendingPathComponent("r.png"))
    try ImageIO.writePNG(left, to: files.left)
    try ImageIO.writePNG(right, to: files.right)
    let sample = StereoSample(left: left, right: right, source: "scene", identifier: "scene/pair")
    return (teacher, left, right, files, sample)
  }

  @Test("The bundled model's proxies of a known shift: both views, each run's own check, cached")
  func knownShift() throws {
    let temporary = try TemporaryFolder()
    let folder = temporary.url
    let (teacher, left, right, files, sample) = try Self.fixture(in: folder)
    let cache = try TeacherProxyCache(teacher: teacher, folder: folder)
    #expect(cache.key.hasPrefix("teacher-") && cache.key.count == 24)
    let proxy = try cache.proxy(for: files, sample: sample)
    for (map, confidence) in [
      (proxy.leftDisparity, proxy.leftConfidence), (proxy.rightDisparity, proxy.rightConfidence),
    ] {
      let kept = map.pixels.indices.filter { map.pixels[$0].isFinite }
      #expect(kept.count > map.pixels.count / 2, "kept \(kept.count) of \(map.pixels.count)")
      let errors = kept.map { abs(map.pixels[$0] - 12) }.sorted()
      #expect(errors[errors.count / 2] < 0.5, "median error \(errors[errors.count / 2])")
      // Kept pixels agree within 1 px: confidence 1/(1 + Δ) in [0.5, 1]; 0 elsewhere.
      #expect(kept.allSatisfy { (0.5...1).contains(confidence.pixels[$0]) })
      #expect(
        map.pixels.indices.allSatisfy { map.pixels[$0].isFinite || confidence.pixels[$0] == 0 })
    }
    // Each view is its own run's marked map (no second check between the runs), the right
    // view's from the mirrored pair, with confidence 1/(1 + e) from that run's check.
    let (model, metadata, _) = try WNetCheckpoint.loadModel(teacher)
    let estimator = DisparityEstimator(model: model, metadata: metadata)
    for (map, confidence, l, r, flip) in [
      (proxy.leftDisparity, proxy.leftConfidence, left, right, false),
      (
        proxy.rightDisparity, proxy.rightConfidence, right.flippedHorizontally(),
        left.flippedHorizontally(), true
      ),
    ] {
      // τ = 1, the teacher's right view at the left view's scale, no median, no hole fill and
      // no border padding, as every teacher so far.
      let run = try estimator.predict(
        left: l, right: r,
        invalidPixels: InvalidPixelRule(
          maximumLeftRightDifference: 1, median: nil, rightViewScalesDropped: 0, holes: nil,
          borderPadding: 0),
        compactMemory: true, upscale: .automatic)
      let difference = try #require(run.leftRightDifference)
      let expected = flip ? run.validDisparity.flippedHorizontally() : run.validDisparity
      let e = flip ? difference.flippedHorizontally() : difference
      #expect(map == expected)
      #expect(
        map.pixels.indices.allSatisfy {
          !map.pixels[$0].isFinite || abs(confidence.pixels[$0] - 1 / (1 + e.pixels[$0])) < 1e-6
        })
    }
    // The four files hold it: a second call reads them back unchanged.
    let written = cache.files(for: files)
    #expect(written.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    #expect(written[0].lastPathComponent == "scene_pair.\(cache.key).left.pfm")
    #expect(try cache.proxy(for: files, sample: sample) == proxy)

    // With a weighted median: each view's map is the plain proxy's, filtered with that view
    // as the guide (the right one mirrored, as it was computed); other files, same confidence.
    // A tolerance of 0.1 px, so that the sub-pixel scatter around the shift moves some pixels.
    let standard = try TeacherProxyCache(teacher: teacher, folder: folder, median: .standard)
    #expect(standard.key == cache.key + "-median2")
    let filter = WeightedMedianFilter(radius: 4, sigmaColour: 0.1, tolerance: 0.1)
    let filtered = try TeacherProxyCache(teacher: teacher, folder: folder, median: filter)
    #expect(filtered.key == cache.key + "-median2-4-0.1-0.1")
    let edges = try TeacherProxyCache(teacher: teacher, folder: folder, median: .edges)
    #expect(edges.key == cache.key + "-median2-9-0.1-1.0-2-4")
    let sharpened = try filtered.proxy(for: files, sample: sample)
    let leftExpected = filter.apply(to: proxy.leftDisparity, guide: left)
    let rightExpected = filter.apply(
      to: proxy.rightDisparity.flippedHorizontally(), guide: right.flippedHorizontally())
    #expect(leftExpected.changed + rightExpected.changed > 0, "the filter moves some pixels")
    #expect(sharpened.leftDisparity == leftExpected.disparity)
    #expect(sharpened.rightDisparity == rightExpected.disparity.flippedHorizontally())
    #expect(sharpened.leftConfidence == proxy.leftConfidence)
    #expect(sharpened.rightConfidence == proxy.rightConfidence)
  }

  /// A resumed run whose `--data` gives other views the same name (or views rewritten in
  /// place) must not train on the old views' proxies: the record beside the files names the
  /// views' bytes, and a pair whose record is missing or names other views is computed again.
  @Test("Is computed again when other views take the pair's name, or the record is missing")
  func recomputesForOtherViews() throws {
    let temporary = try TemporaryFolder()
    let folder = temporary.url
    let first = try Self.fixture(in: folder)
    let cache = try TeacherProxyCache(teacher: first.teacher, folder: folder)
    let urls = cache.files(for: first.files)
    let views = cache.viewsFile(for: first.files)
    #expect(views.lastPathComponent == "scene_pair.\(cache.key).views")
    let proxy = try cache.proxy(for: first.files, sample: first.sample)
    let bytes = try urls.map { try Data(contentsOf: $0) }
    #expect(
      try String(contentsOf: views, encoding: .utf8)
        == (try StereoProxy.viewsFingerprint(left: first.files.left, right: first.files.right))
        + "\n")
    // Other views under the same name: their own proxy, as the teacher gives it directly.
    let second = try Self.fixture(in: folder, shift: 7, seed: 5)
    let (model, metadata, _) = try WNetCheckpoint.loadModel(first.teacher)
    let expected = try TeacherProxyCache.proxy(
      estimator: DisparityEstimator(model: model, metadata: metadata), left: second.left,
      right: second.right)
    #expect(expected.leftDisparity != proxy.leftDisparity)
    #expect(try cache.proxy(for: second.files, sample: second.sample) == expected)
    // The first views again with their old files but no record (a cache written before the
    // records, or by hand), one value planted: computed again, to the bytes they had.
    let again = try Self.fixture(in: folder)
    for (url, data) in zip(urls, bytes) { try data.write(to: url) }
    try FileManager.default.removeItem(at: views)
    var planted = proxy.leftDisparity
    planted.pixels[0] = 123.5
    try ImageIO.writePFM(planted, to: urls[0])
    #expect(try cache.proxy(for: again.files, sample: again.sample) == proxy)
    #expect(try urls.map { try Data(contentsOf: $0) } == bytes)
    #expect(FileManager.default.fileExists(atPath: views.path))
  }

  /// `--proxy-teacher-adapt N`: the left view's proxy is exactly the marked map `wnet infer
  /// --adapt N` writes with the teacher's rule (one adaptation, through `predict`), and the
  /// right view's comes from the same adapted weights on the mirrored pair.
  @Test("An adapted teacher: infer --adapt's own map, both views from one adaptation")
  func adaptedTeacher() throws {
    let temporary = try TemporaryFolder()
    let folder = temporary.url
    let (teacher, left, right, files, sample) = try Self.fixture(in: folder)
    let plain = try TeacherProxyCache(teacher: teacher, folder: folder)
    let cache = try TeacherProxyCache(teacher: teacher, folder: folder, adaptationSteps: 2)
    #expect(cache.key == plain.key + "-adapt2")
    #expect(
      try TeacherProxyCache(teacher: teacher, folder: folder, adaptationSteps: 0).key == plain.key)
    let proxy = try cache.proxy(for: files, sample: sample)

    let (model, metadata, _) = try WNetCheckpoint.loadModel(teacher)
    let estimator = DisparityEstimator(model: model, metadata: metadata)
    let rule = InvalidPixelRule(
      maximumLeftRightDifference: 1,
      median: nil, rightViewScalesDropped: 0, holes: nil, borderPadding: 0, rowPadding: 0)
    let adapting = TestTimeAdaptation(steps: 2, loss: metadata.training?.loss)
    let run = try estimator.predict(
      left: left, right: right, adaptation: adapting, invalidPixels: rule, compactMemory: true,
      upscale: .standard)
    #expect(run.adaptationLosses != nil)
    #expect(proxy.leftDisparity == run.validDisparity)
    let unadapted = try plain.proxy(for: files, sample: sample)
    #expect(proxy.leftDisparity != unadapted.leftDisparity, "the adaptation changes the map")
    let kept = proxy.rightDisparity.pixels.filter(\.isFinite).map { abs($0 - 12) }.sorted()
    #expect(kept.count > proxy.rightDisparity.pixels.count / 2)
    #expect(kept[kept.count / 2] < 0.5, "median error of the right view \(kept[kept.count / 2])")
  }
}
