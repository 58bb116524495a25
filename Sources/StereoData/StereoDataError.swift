import Foundation

/// A problem with a file, folder or video that StereoData was asked to read or write.
///
/// The description is one line that names the path and the problem, e.g.
/// `data/scene1/left.png: file is truncated`, so the CLI can print it as it is.
public struct StereoDataError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// What kind of problem it is, for callers that react differently to each.
  public enum Kind: String, Sendable, Equatable {
    /// The path does not exist, is of the wrong kind (folder for file), or cannot be opened.
    case unreadable
    /// The contents are not a valid file of the expected format: truncated, corrupt, wrong type.
    case corrupt
    /// A valid file that uses a feature StereoData does not read.
    case unsupported
    /// Files that belong together disagree: left and right of different sizes, a missing partner.
    case mismatch
    /// A folder or video holds nothing to read.
    case empty
    /// An external tool (ffmpeg, ffprobe) is missing or failed.
    case tool
    /// A request that the data cannot satisfy: an unknown source, a fraction that leaves nothing.
    case invalidRequest
    /// Writing failed.
    case unwritable
  }

  /// The file, folder or video concerned.
  public var path: String
  /// The problem, as a lower-case phrase without a trailing period.
  public var problem: String
  /// The kind of problem.
  public var kind: Kind

  /// Creates an error; newlines in `problem` are replaced so that the message stays on one line.
  public init(_ kind: Kind, path: String, _ problem: String) {
    self.kind = kind
    self.path = path
    self.problem = problem.split(whereSeparator: \.isNewline).joined(separator: "; ")
  }

  /// Creates an error about the file at `url`.
  public init(_ kind: Kind, _ url: URL, _ problem: String) {
    self.init(kind, path: url.path, problem)
  }

  public var description: String { "\(path): \(problem)" }
  public var errorDescription: String? { description }
}
