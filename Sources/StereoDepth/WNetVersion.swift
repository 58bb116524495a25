/// The version of the WNet package and the `wnet` tool, following semantic versioning
/// (`MAJOR.MINOR.PATCH`, tagged without a `v` so SwiftPM resolves it; CHANGELOG.md says what
/// each release changed).
public enum WNetVersion {
  /// This package's version; the release tag is the same string (`0.2.0`).
  public static let current = "0.2.0"
}
