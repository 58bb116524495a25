import Foundation
import StereoTensor

/// One line of the JSONL training log.
public struct TrainingRecord: Codable, Sendable, Equatable {
  /// `train` for a training step, `validation` for a held-out evaluation.
  public var kind: String
  public var step: Int
  public var loss: LossTerms
  /// Pairs per second over the logging interval (training records).
  public var imagesPerSecond: Double?
  /// Seconds since the run (or resumed run) started.
  public var elapsedSeconds: Double

  public init(
    kind: String, step: Int, loss: LossTerms, imagesPerSecond: Double?, elapsedSeconds: Double
  ) {
    self.kind = kind
    self.step = step
    self.loss = loss
    self.imagesPerSecond = imagesPerSecond
    self.elapsedSeconds = elapsedSeconds
  }
}

/// The append-only JSONL log of a run (`log.jsonl`), one ``TrainingRecord`` per line.
///
/// A resumed run first drops the records after its checkpoint's step, so the log never holds
/// steps twice.
public final class TrainingLog {
  public let url: URL
  public private(set) var records: [TrainingRecord] = []

  /// A NaN or infinite loss (a diverged held-out evaluation) is written as the string "nan",
  /// "inf" or "-inf", which JSON can hold and reading turns back into the value.
  static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

  /// Opens (or creates) the log; keeps only records up to `step`.
  public init(url: URL, keepingUpTo step: Int) throws {
    self.url = url
    if let data = try? Data(contentsOf: url) {
      let decoder = JSONDecoder()
      decoder.nonConformingFloatDecodingStrategy = Self.nonFiniteDecoding
      for line in data.split(separator: UInt8(ascii: "\n")) {
        if let record = try? decoder.decode(TrainingRecord.self, from: Data(line)),
          record.step <= step
        {
          records.append(record)
        }
      }
    }
    try rewrite()
  }

  /// Appends a record as one line. (Appending is safe to interrupt: a torn last line is dropped
  /// when the log is reopened, which rewrites the file atomically.)
  public func append(_ record: TrainingRecord) throws {
    records.append(record)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = Self.nonFinite
    var line = try encoder.encode(record)
    line.append(UInt8(ascii: "\n"))
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: line)
  }

  private func rewrite() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = Self.nonFinite
    var data = Data()
    for record in records {
      data.append(try encoder.encode(record))
      data.append(UInt8(ascii: "\n"))
    }
    try AtomicFile.write(data, to: url)
  }
}
