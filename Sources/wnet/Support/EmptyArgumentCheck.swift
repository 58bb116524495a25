import ArgumentParser

/// Refuses empty command-line values before parsing.
///
/// `--output ''` would otherwise mean the current directory, and an empty path names no file.
/// No option of `wnet` takes an empty value.
enum EmptyArgumentCheck {
  /// The problem with `arguments` (without the program name), or nil when none is empty.
  static func problem(in arguments: [String]) -> String? {
    for (index, argument) in arguments.enumerated() {
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "="),
        argument[argument.index(after: equals)...].isEmpty
      {
        return "'\(argument[..<equals])' needs a value, got an empty one"
      }
      guard argument.isEmpty else { continue }
      if index > 0, arguments[index - 1].hasPrefix("-") {
        return "'\(arguments[index - 1])' needs a value, got an empty one"
      }
      return "argument \(index + 1) is empty; paths and values must not be empty"
    }
    return nil
  }
}
