import Foundation
import StereoTensor

/// Named ``DisparityMetrics``, one row per image or data set, as a text table or JSON.
///
///     let report = DisparityMetricsReport(rows: [.init(name: "tsukuba", metrics: metrics)])
///     print(report.formattedTable())
///     try report.writeJSON(to: URL(fileURLWithPath: "metrics.json"))
///
/// The table gives rates in percent and the EPE in pixels:
///
///     name        pixels  density     D1  bad-1  bad-2  bad-3  bad-4    EPE
///     tsukuba      84129   100.00   2.31  10.02   4.40   3.06   2.50  0.812
public struct DisparityMetricsReport: Sendable, Equatable, Codable {
  /// One named result.
  public struct Row: Sendable, Equatable, Codable {
    /// The image or data set.
    public var name: String
    /// Its scores.
    public var metrics: DisparityMetrics

    /// Creates a row.
    public init(name: String, metrics: DisparityMetrics) {
      self.name = name
      self.metrics = metrics
    }
  }

  /// The rows, in the order they print.
  public var rows: [Row]

  /// Creates a report.
  public init(rows: [Row]) {
    self.rows = rows
  }

  /// The report with a last row named `name` that aggregates all rows (counts summed).
  public func addingTotal(named name: String = "total") -> DisparityMetricsReport {
    DisparityMetricsReport(
      rows: rows + [Row(name: name, metrics: .aggregate(rows.map(\.metrics)))])
  }

  /// The rows as an aligned text table: rates in percent with 2 decimals, EPE in pixels with 3.
  public func formattedTable() -> String {
    let nameWidth = max(4, rows.map(\.name.count).max() ?? 0)
    func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
      let padding = String(repeating: " ", count: max(0, width - text.count))
      return left ? text + padding : padding + text
    }
    func percent(_ value: Double) -> String { pad(String(format: "%.2f", 100 * value), 7) }
    var lines = [
      pad("name", nameWidth, left: true) + pad("pixels", 9) + pad("density", 8) + pad("D1", 7)
        + pad("bad-1", 7) + pad("bad-2", 7) + pad("bad-3", 7) + pad("bad-4", 7) + pad("EPE", 8)
    ]
    for row in rows {
      let metrics = row.metrics
      lines.append(
        pad(row.name, nameWidth, left: true) + pad(String(metrics.evaluatedPixels), 9)
          + pad(String(format: "%.2f", 100 * metrics.density), 8) + percent(metrics.d1)
          + percent(metrics.bad1) + percent(metrics.bad2) + percent(metrics.bad3)
          + percent(metrics.bad4) + pad(String(format: "%.3f", metrics.endPointError), 8))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The report as pretty-printed JSON with sorted keys.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  /// Writes ``jsonData()`` to `url` atomically.
  ///
  /// - Throws: Encoding errors, and ``AtomicFile/WriteError`` when the file cannot be written.
  public func writeJSON(to url: URL) throws {
    try AtomicFile.write(try jsonData(), to: url)
  }
}
