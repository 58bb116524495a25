import Foundation

/// Which layouts and algorithm convolution primitives may choose.
///
/// Read once from `WNET_DNNL_LAYOUT` (`any-auto`, `any-direct`, `plain-auto`, `plain-direct`) so
/// that benchmarks can compare the choices; the default is the fastest measured (see
/// BENCHMARKS.md, "Operations").
struct DNNLLayoutPolicy: Sendable, CustomStringConvertible {
  /// Filters declared `dnnl_format_tag_any` (the primitive picks, we reorder), else plain OHWI.
  var filtersAny: Bool
  /// `dnnl_convolution_auto` (oneDNN may pick Winograd or direct), else `dnnl_convolution_direct`.
  var convolutionAuto: Bool

  static let current: DNNLLayoutPolicy = {
    switch ProcessInfo.processInfo.environment["WNET_DNNL_LAYOUT"] {
    case "any-direct": DNNLLayoutPolicy(filtersAny: true, convolutionAuto: false)
    case "plain-auto": DNNLLayoutPolicy(filtersAny: false, convolutionAuto: true)
    case "plain-direct": DNNLLayoutPolicy(filtersAny: false, convolutionAuto: false)
    default: DNNLLayoutPolicy(filtersAny: true, convolutionAuto: true)
    }
  }()

  var description: String {
    "\(filtersAny ? "any" : "plain")-\(convolutionAuto ? "auto" : "direct")"
  }
}
