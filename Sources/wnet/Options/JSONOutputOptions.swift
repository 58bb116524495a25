import ArgumentParser
import Foundation
import StereoTensor

/// `--json` means the same in every command: the results as one JSON document on standard
/// output, in place of the table (notes and progress stay on standard error). `--json-file FILE`
/// writes the same document to a file as well (`-` = standard output, as `--json`).
struct JSONOutputOptions: ParsableArguments {
  @Flag(help: "Print the results as one JSON document on standard output instead of a table.")
  var json = false

  @Option(help: "Also write the results as JSON to this file ('-': standard output, as --json).")
  var jsonFile: String?

  /// Whether the JSON goes to standard output (and the table does not).
  var toStandardOutput: Bool { json || jsonFile == "-" }

  /// Writes `value` where asked: standard output and/or the file.
  ///
  /// - Throws: When encoding fails or the file cannot be written.
  func write(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data = try encoder.encode(value)
    if toStandardOutput { print(String(decoding: data, as: UTF8.self)) }
    if let jsonFile, jsonFile != "-" {
      try AtomicFile.write(data, to: URL(fileURLWithPath: jsonFile))
      Console.note("Results: \(jsonFile)")
    }
  }
}
