import Foundation
import StereoDepth
import StereoNN
import StereoTensor
import Testing
import _StereoTestSupport

/// Training never destroys its last good state: rotation, fallback, non-finite stops, stop
/// requests, the lock, and a log that holds NaN.
@Suite("Training safety", .serialized)
struct TrainingSafetyTests {
  /// The same batch every step; `poison` runs before step `s` is served.
  final class Source: TrainingBatchSource {
    let batch = CheckpointValidationTests.batch()
    var poison: (Int) -> Void = { _ in }
    func batch(forStep step: Int) throws -> StereoBatchTensors {
      poison(step)
      return batch
    }
  }

  static func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-safety-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func session(steps: Int, interval: Int, in folder: URL) throws -> (
    TrainingSession, Source
  ) {
    let trainer = try Trainer(
      recipe: CheckpointValidationTests.recipe(steps: steps, interval: interval))
    let source = Source()
    return (
      try TrainingSession(trainer: trainer, source: source, validation: [], directory: folder),
      source
    )
  }

  @Test("The last two checkpoints are kept, newest first, and a damaged latest falls back")
  func rotationAndFallback() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (session, _) = try Self.session(steps: 3, interval: 1, in: folder)
    #expect(try session.run() == .finished)
    let rotation = CheckpointRotation(directory: folder)
    #expect(try WNetCheckpoint.read(rotation.url(age: 0)).metadata.step == 3)
    #expect(try WNetCheckpoint.read(rotation.url(age: 1)).metadata.step == 2)
    #expect(!FileManager.default.fileExists(atPath: rotation.url(age: 2).path))
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(!names.contains(where: AtomicFile.isTemporaryName), "\(names)")

    // Flip one byte of the latest's tensor data: resuming falls back to the one before.
    var data = try Data(contentsOf: rotation.url(age: 0))
    data[data.count - 7] ^= 0x01
    try data.write(to: rotation.url(age: 0))
    let (url, skipped) = try rotation.resumable()
    #expect(url == rotation.url(age: 1))
    #expect(skipped.count == 1 && skipped[0].contains("CRC-32"), "\(skipped)")
  }

  @Test("Resuming past a damaged latest sets it aside; the readable one stays the previous")
  func damagedLatestSetAside() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (session, _) = try Self.session(steps: 2, interval: 1, in: folder)
    #expect(try session.run() == .finished)
    let rotation = CheckpointRotation(directory: folder)
    var damaged = try Data(contentsOf: rotation.url(age: 0))
    damaged[damaged.count - 7] ^= 0x01
    try damaged.write(to: rotation.url(age: 0))
    let (readable, _) = try rotation.resumable()
    #expect(readable == rotation.url(age: 1))
    let (latest, setAside) = try rotation.promote(readable)
    #expect(latest == rotation.url(age: 0))
    #expect(setAside == [folder.appendingPathComponent("checkpoint.damaged.safetensors")])
    #expect(try Data(contentsOf: rotation.damagedURL(age: 0)) == damaged)
    #expect(!FileManager.default.fileExists(atPath: rotation.url(age: 1).path))
    // One more step from it, saved once: step 1 stays readable as the previous checkpoint.
    let trainer = try Trainer(
      resumingFrom: latest, recipe: CheckpointValidationTests.recipe(steps: 2, interval: 1))
    #expect(trainer.step == 1)
    let resumed = try TrainingSession(
      trainer: trainer, source: Source(), validation: [], directory: folder)
    #expect(try resumed.run() == .finished)
    #expect(try WNetCheckpoint.read(rotation.url(age: 0)).metadata.step == 2)
    #expect(try WNetCheckpoint.read(rotation.url(age: 1)).metadata.step == 1)
    // The latest needs no promotion.
    #expect(try rotation.promote(rotation.url(age: 0)) == (rotation.url(age: 0), []))
  }

  @Test("A weight that becomes infinite stops the run and keeps the last finite checkpoint")
  func nonFiniteWeight() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (session, source) = try Self.session(steps: 6, interval: 1, in: folder)
    let trainer = session.trainer
    // Before step 3 is served, one weight turns infinite (as a huge learning rate makes it).
    source.poison = { step in
      guard step == 2, let (_, parameter) = trainer.model.parameters.trainable.first else { return }
      var value = parameter.value
      value.withUnsafeMutableBufferPointer { $0[0] = .infinity }
      parameter.value = value
    }
    let error = #expect(throws: TrainingError.self) { try session.run() }
    #expect(error?.description.contains("step 2 is kept") == true, "\(String(describing: error))")
    let checkpoint = try WNetCheckpoint.read(CheckpointRotation(directory: folder).url(age: 0))
    #expect(checkpoint.metadata.step == 2)
    #expect(trainer.firstNonFiniteTensor() != nil)
  }

  @Test("A stop request ends the run between steps with a checkpoint of the last step")
  func stopRequest() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (session, _) = try Self.session(steps: 10, interval: 100, in: folder)
    let outcome = try session.run(stoppingWhen: { session.trainer.step == 3 })
    #expect(outcome == .stopped(step: 3))
    let url = CheckpointRotation(directory: folder).url(age: 0)
    #expect(try WNetCheckpoint.read(url).metadata.step == 3)
    #expect(try Trainer(resumingFrom: url).step == 3)
  }

  @Test("The lock refuses a live owner and takes over a dead one's")
  func lock() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = TrainingLock.url(in: folder)
    // PID 1 is always alive.
    try Data("1\n".utf8).write(to: url)
    let error = #expect(throws: TrainingError.self) { _ = try TrainingLock.acquire(in: folder) }
    #expect(error?.description.contains("process 1") == true)
    // A process id above the kernel's pid_max (at most 2^22) never runs.
    try Data("4194400\n".utf8).write(to: url)
    let lock = try TrainingLock.acquire(in: folder)
    #expect(lock.takenOverFrom == 4_194_400)
    #expect(try String(contentsOf: url, encoding: .utf8) == "\(getpid())\n")
    lock.release()
    #expect(!FileManager.default.fileExists(atPath: url.path))
  }

  @Test("A NaN loss is logged as JSON and the log reopens with it")
  func nanInLog() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("log.jsonl")
    let log = try TrainingLog(url: url, keepingUpTo: 0)
    let nan = LossTerms(total: .nan, reconstruction: .infinity, smoothness: 0, consistency: 0)
    try log.append(
      TrainingRecord(
        kind: "validation", step: 0, loss: nan, imagesPerSecond: nil, elapsedSeconds: 1))
    let reopened = try TrainingLog(url: url, keepingUpTo: 0)
    #expect(reopened.records.count == 1)
    #expect(reopened.records.first?.loss.total.isNaN == true)
    #expect(reopened.records.first?.loss.reconstruction == .infinity)
    // The loss curve leaves out what a log axis cannot hold (an infinite loss hung it).
    let infinite = LossTerms(total: .infinity, reconstruction: 0, smoothness: 0, consistency: 0)
    let svg = LossCurve.svg([
      TrainingRecord(kind: "train", step: 1, loss: nan, imagesPerSecond: 1, elapsedSeconds: 1),
      TrainingRecord(
        kind: "validation", step: 1, loss: infinite, imagesPerSecond: nil, elapsedSeconds: 1),
    ])
    #expect(svg.contains("No records yet"))
  }
}
