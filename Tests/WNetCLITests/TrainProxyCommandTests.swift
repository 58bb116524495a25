import Foundation
import StereoDepth
import Testing

/// `wnet train --proxy-weight W --occlusion-mask`: the flags reach the stored recipe, and the
/// proxies of real pairs are cached in the run's folder.
@Suite("wnet train: proxy term and occlusion mask", .serialized)
struct TrainProxyCommandTests {
  typealias CLI = CommandLineErrorTests

  @Test("--proxy-weight caches SGBM proxies in the run folder; both flags are stored")
  func proxyRun() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let run = folder.appendingPathComponent("run")
    let outcome = try CLI.run([
      "train", "--data", data.path, "--synthetic-share", "0", "--proxy-weight", "0.5",
      "--occlusion-mask", "--steps", "2", "--batch-size", "1", "--height", "16", "--width", "32",
      "--validate-every", "0", "--output", run.path,
    ])
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let proxies = try FileManager.default.contentsOfDirectory(
      atPath: run.appendingPathComponent("proxies").path)
    // Proxies are made as the loader reaches each pair: the consumed batches' pairs are complete,
    // and a prefetching thread may be stopped mid-write at exit.
    #expect(!Self.completePairs(proxies, key: ".sgbm-").isEmpty, "\(proxies)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    let loss = try WNetCheckpoint.read(checkpoint).metadata.training?.loss
    #expect(loss?.proxyWeight == 0.5 && loss?.occlusionMask == true, "\(String(describing: loss))")

    let refused = try CLI.run([
      "train", "--data", data.path, "--proxy-weight=-1", "--output",
      folder.appendingPathComponent("other").path,
    ])
    #expect(refused.status != 0 && refused.standardError.contains("--proxy-weight"))
  }

  /// The pairs (file-name prefixes) whose four finished proxy files, named with `key`, are all
  /// in `names`: left, left confidence, right and right confidence.
  static func completePairs(_ names: [String], key: String) -> [String] {
    let suffixes = [".left.pfm", ".left-confidence.pfm", ".right.pfm", ".right-confidence.pfm"]
    let finished = Set(names.filter { !$0.hasPrefix(".") && $0.contains(key) })
    let stems = Set(
      finished.compactMap { name in
        suffixes.first { name.hasSuffix($0) }.map { String(name.dropLast($0.count)) }
      })
    return stems.filter { stem in suffixes.allSatisfy { finished.contains(stem + $0) } }.sorted()
  }

  /// A one-step run in `folder/run` on two synthetic scenes with a small model as the proxy
  /// teacher and `options` added; returns the data folder, the teacher, the run folder and the
  /// names in its `proxies` folder.
  static func teacherRun(in folder: URL, _ options: [String] = []) throws -> (
    data: URL, teacher: URL, run: URL, proxies: [String]
  ) {
    let data = try CLI.synthesizeScenes(in: folder)
    let teacher = try CLI.smallModel(in: folder)
    let run = folder.appendingPathComponent("run")
    let outcome = try CLI.run(
      [
        "train", "--data", data.path, "--synthetic-share", "0", "--proxy-weight", "1",
        "--proxy-teacher", teacher.path, "--steps", "1", "--batch-size", "1", "--height", "16",
        "--width", "32", "--validate-every", "0", "--output", run.path,
      ] + options)
    #expect(outcome.status == 0, "\(outcome.standardError)")
    let proxies = try FileManager.default.contentsOfDirectory(
      atPath: run.appendingPathComponent("proxies").path)
    return (data, teacher, run, proxies)
  }

  @Test("--proxy-teacher caches the teacher's proxies under its key; the recipe keeps it")
  func teacherRun() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (data, teacher, run, proxies) = try Self.teacherRun(in: folder)
    #expect(!Self.completePairs(proxies, key: ".teacher-").isEmpty, "\(proxies)")
    #expect(!proxies.contains { $0.contains(".sgbm-") }, "\(proxies)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    let stored = try WNetCheckpoint.read(checkpoint).metadata.training?.data.proxyTeacher
    #expect(stored == teacher.standardizedFileURL.path)
    // The teacher defines the objective: another one on --resume is refused in one line.
    let other = try CLI.run([
      "train", "--resume", "--proxy-teacher", data.path, "--steps", "2", "--output", run.path,
    ])
    #expect(other.status == 1, "\(other.standardError)")
    #expect(other.standardError.contains("--proxy-teacher"), "\(other.standardError)")
  }

  @Test(
    "--proxy-holes sgbm and sgbm-conflicts cache SGBM's proxies beside the teacher's; they need a teacher",
    arguments: [TrainingDataRecipe.ProxyHoles.sgbm, .sgbmConflicts])
  func holesRun(holes: TrainingDataRecipe.ProxyHoles) throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (data, _, run, proxies) = try Self.teacherRun(
      in: folder, ["--proxy-holes", holes.rawValue])
    let taught = Self.completePairs(proxies, key: ".teacher-")
    let sgbm = Self.completePairs(proxies, key: ".sgbm-")
    #expect(!taught.isEmpty, "\(proxies)")
    // The consumed pair has both (later pairs may be stopped between the two at exit).
    let name = { (stem: String) in String(stem.prefix { $0 != "." }) }
    #expect(!Set(taught.map(name)).isDisjoint(with: sgbm.map(name)), "\(proxies)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    #expect(try WNetCheckpoint.read(checkpoint).metadata.training?.data.proxyHoles == holes)
    let other = try CLI.run([
      "train", "--resume", "--proxy-holes", "empty", "--steps", "2", "--output", run.path,
    ])
    #expect(other.status == 1 && other.standardError.contains("--proxy-holes"))

    let alone = try CLI.run([
      "train", "--data", data.path, "--proxy-holes", holes.rawValue, "--output",
      folder.appendingPathComponent("alone").path,
    ])
    #expect(alone.status == 1, "\(alone.standardError)")
    #expect(
      alone.standardError.contains("'--proxy-holes \(holes.rawValue)' needs '--proxy-teacher'"))
    #expect(alone.standardError.split(separator: "\n").count == 1, "\(alone.standardError)")
  }

  @Test(
    "--proxy-teacher-median caches the filtered proxies under their own key; it needs a teacher")
  func medianRun() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (data, _, run, proxies) = try Self.teacherRun(in: folder, ["--proxy-teacher-median"])
    #expect(!Self.completePairs(proxies, key: "-median2.").isEmpty, "\(proxies)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    #expect(try WNetCheckpoint.read(checkpoint).metadata.training?.data.proxyTeacherMedian == true)
    let alone = try CLI.run([
      "train", "--data", data.path, "--proxy-teacher-median", "--output",
      folder.appendingPathComponent("alone").path,
    ])
    #expect(alone.status == 1, "\(alone.standardError)")
    #expect(alone.standardError.contains("'--proxy-teacher-median' needs '--proxy-teacher'"))
    #expect(alone.standardError.split(separator: "\n").count == 1, "\(alone.standardError)")
  }

  @Test(
    "--proxy-teacher-adapt caches the adapted teacher's proxies under their own key; it needs a teacher"
  )
  func adaptRun() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (data, _, run, proxies) = try Self.teacherRun(in: folder, ["--proxy-teacher-adapt", "1"])
    #expect(!Self.completePairs(proxies, key: "-adapt1.").isEmpty, "\(proxies)")
    let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
    #expect(try WNetCheckpoint.read(checkpoint).metadata.training?.data.proxyTeacherAdaptation == 1)
    let other = try CLI.run([
      "train", "--resume", "--proxy-teacher-adapt", "2", "--steps", "2", "--output", run.path,
    ])
    #expect(other.status == 1 && other.standardError.contains("--proxy-teacher-adapt"))
    for (arguments, message) in [
      (["--proxy-teacher-adapt", "1"], "'--proxy-teacher-adapt' needs '--proxy-teacher'"),
      (
        ["--proxy-teacher", checkpoint.path, "--proxy-weight", "1", "--proxy-teacher-adapt=-1"],
        "'--proxy-teacher-adapt' must be non-negative"
      ),
    ] {
      let alone = try CLI.run(
        ["train", "--data", data.path] + arguments + [
          "--output", folder.appendingPathComponent("alone").path,
        ])
      #expect(alone.status == 1, "\(alone.standardError)")
      #expect(alone.standardError.contains(message), "\(alone.standardError)")
      #expect(alone.standardError.split(separator: "\n").count == 1, "\(alone.standardError)")
    }
  }
}
