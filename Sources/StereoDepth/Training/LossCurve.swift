import Foundation

/// Draws training and validation loss against step as a standalone SVG (log-scale loss axis).
public enum LossCurve {
  /// The SVG document for `records`.
  public static func svg(_ records: [TrainingRecord], title: String = "W-net training loss")
    -> String
  {
    let width = 720.0, height = 400.0
    let (left, right, top, bottom) = (70.0, 20.0, 40.0, 50.0)
    // Only positive finite losses have a place on a log axis (an infinite one made the tick
    // loop below endless).
    func plotted(_ record: TrainingRecord) -> Bool {
      record.loss.total > 0 && record.loss.total.isFinite
    }
    let train = records.filter { $0.kind == "train" && plotted($0) }
    let validation = records.filter { $0.kind == "validation" && plotted($0) }
    let all = train + validation
    guard !all.isEmpty else {
      return
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\"><text x=\"20\" y=\"40\">No records yet</text></svg>\n"
    }
    let maxStep = Double(max(all.map(\.step).max() ?? 1, 1))
    let logs = all.map { log10(Double($0.loss.total)) }
    var low = floor(logs.min()! * 4) / 4, high = ceil(logs.max()! * 4) / 4
    if high - low < 0.25 { high = low + 0.25; low -= 0.0 }
    func x(_ step: Int) -> Double { left + Double(step) / maxStep * (width - left - right) }
    func y(_ loss: Float) -> Double {
      top + (high - log10(Double(loss))) / (high - low) * (height - top - bottom)
    }
    func polyline(_ points: [TrainingRecord], colour: String) -> String {
      let coordinates = points.map { String(format: "%.1f,%.1f", x($0.step), y($0.loss.total)) }
        .joined(separator: " ")
      return
        "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>"
    }
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    svg +=
      "<text x=\"\(Int(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(title)</text>\n"
    // Axes and ticks.
    svg +=
      "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
    svg +=
      "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
    var tick = low
    while tick <= high + 1e-9 {
      let ty = top + (high - tick) / (high - low) * (height - top - bottom)
      svg += String(
        format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, ty,
        width - right, ty)
      svg += String(
        format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", left - 6, ty + 4,
        pow(10, tick))
      tick += (high - low) > 2 ? 1 : 0.25
    }
    for fraction in stride(from: 0.0, through: 1.0, by: 0.25) {
      let step = Int((fraction * maxStep).rounded())
      svg += String(
        format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", x(step),
        height - bottom + 18, step)
    }
    svg +=
      "<text x=\"\(Int(width / 2))\" y=\"\(Int(height - 10))\" text-anchor=\"middle\">step</text>\n"
    svg +=
      "<text x=\"16\" y=\"\(Int(height / 2))\" transform=\"rotate(-90 16 \(Int(height / 2)))\" text-anchor=\"middle\">loss (log scale)</text>\n"
    svg += polyline(train, colour: "#1f77b4") + "\n"
    if !validation.isEmpty {
      svg += polyline(validation, colour: "#d62728") + "\n"
      for point in validation {
        svg += String(
          format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d62728\"/>", x(point.step),
          y(point.loss.total))
      }
      svg += "\n"
    }
    svg +=
      "<text x=\"\(Int(width - right - 150))\" y=\"\(Int(top + 14))\" fill=\"#1f77b4\">— training</text>\n"
    if !validation.isEmpty {
      svg +=
        "<text x=\"\(Int(width - right - 150))\" y=\"\(Int(top + 30))\" fill=\"#d62728\">— held out</text>\n"
    }
    svg += "</svg>\n"
    return svg
  }
}
