import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A child process started with `posix_spawn`, talking through plain pipes, reaped with
/// `waitpid`: the one way StereoData runs external tools (ffmpeg, ffprobe).
///
/// Foundation's `Process` is not used: on Linux it watches for children's exits through a
/// CFSocket, and with no network interface at all (`unshare -n`) it cannot create the socket
/// pair ("Could not create wakeup socket pair for CFSocket"): the second child's exit is never
/// noticed and `waitUntilExit` waits forever (measured with ffprobe then ffmpeg, as
/// `wnet extract` runs them).
///
/// - Standard input is `/dev/null` or a pipe (``write(_:)``, ``closeInput()``). Writing after
///   the child has gone throws an error naming the tool; it never raises `SIGPIPE` in this
///   process, which ignores that signal from the first spawn with an input pipe on. The child
///   gets the default `SIGPIPE` action and an empty signal mask back.
/// - Standard output is `/dev/null` or a pipe (``read(into:)``, ``readToEnd()``).
/// - Standard error is always drained on a background thread (so the child never blocks on a
///   full pipe), keeping its last ``StandardErrorCollector/keptCharacters`` characters for
///   messages.
/// - The pipes are close-on-exec, so no other child inherits them (one that held a child's
///   input pipe open would keep it from ever seeing the end of its input).
///
/// Not thread-safe: one owner writes, reads and waits. ``terminate()`` (or deinitialisation)
/// stops a child that is still running, and reaps it, so no zombie is left behind.
final class Subprocess {
  /// Where a child's standard input comes from, or its standard output goes.
  enum Stream {
    /// `/dev/null`.
    case null
    /// A pipe to or from this process.
    case pipe
  }

  /// How a child ended.
  enum Termination: Equatable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal killed it.
    case signalled(Int32)

    /// Whether it exited with status 0.
    var succeeded: Bool { self == .exited(0) }

    var description: String {
      switch self {
      case .exited(let status): "exit status \(status)"
      case .signalled(let signal): "killed by signal \(signal)"
      }
    }
  }

  /// The name errors use for the child (`ffmpeg`).
  let name: String
  /// The child's process id.
  let processIdentifier: pid_t
  private var inputDescriptor: Int32
  private var outputDescriptor: Int32
  private let errors: StandardErrorCollector
  private var termination: Termination?

  /// Starts `executable` with `arguments` (not including the program name) and this process's
  /// environment.
  ///
  /// - Parameters:
  ///   - name: What errors call the child, e.g. `ffmpeg`; also its `argv[0]`.
  ///   - input: Where its standard input comes from.
  ///   - output: Where its standard output goes.
  /// - Throws: ``StereoDataError`` of kind `.tool` naming `name` when the pipes cannot be made or
  ///   the program cannot be started.
  init(
    executable: URL, arguments: [String], name: String, input: Stream = .null,
    output: Stream = .null
  ) throws {
    self.name = name
    if input == .pipe { Self.ignoreBrokenPipeSignal() }
    // [read end, write end] of each pipe; the child gets its ends by dup2.
    var inputPipe: [Int32] = [-1, -1]
    var outputPipe: [Int32] = [-1, -1]
    var errorPipe: [Int32] = [-1, -1]
    func closeAll() {
      for descriptor in inputPipe + outputPipe + errorPipe where descriptor >= 0 {
        close(descriptor)
      }
    }
    // Glibc's `pipe2(O_CLOEXEC)` and `posix_spawn_file_actions_addclosefrom_np` are GNU
    // extensions Swift does not import; so pipes are made close-on-exec with `fcntl`, and the lock
    // keeps another spawn from inheriting a pipe before its flag is set (a leaked input pipe would
    // keep a child from ever seeing the end of its input).
    let child: pid_t = try Self.spawnLock.withLock { _ in
      do {
        if input == .pipe { try Self.makePipe(&inputPipe, name: name) }
        if output == .pipe { try Self.makePipe(&outputPipe, name: name) }
        try Self.makePipe(&errorPipe, name: name)
      } catch {
        closeAll()
        throw error
      }
      var child: pid_t = 0
      let status = Self.spawn(
        &child, executable: executable, arguments: [name] + arguments,
        input: input == .pipe ? inputPipe[0] : nil, output: output == .pipe ? outputPipe[1] : nil,
        error: errorPipe[1])
      guard status == 0 else {
        closeAll()
        throw StereoDataError(
          .tool, path: name, "cannot be started (\(String(cString: strerror(status))))")
      }
      return child
    }
    processIdentifier = child
    // Close the child's ends here, so that end-of-file arrives when the child exits.
    if input == .pipe { close(inputPipe[0]) }
    if output == .pipe { close(outputPipe[1]) }
    close(errorPipe[1])
    inputDescriptor = inputPipe[1]
    outputDescriptor = outputPipe[0]
    errors = StandardErrorCollector(descriptor: errorPipe[0])
    errors.start()
  }

  deinit { terminate() }

  /// Runs `executable` to completion with `/dev/null` as input, and returns how it ended, all it
  /// wrote to standard output and the end of its standard error. For tools with small outputs
  /// (ffprobe).
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` when it cannot be started.
  static func run(executable: URL, arguments: [String], name: String) throws -> (
    termination: Termination, output: Data, errors: String
  ) {
    let child = try Subprocess(
      executable: executable, arguments: arguments, name: name, output: .pipe)
    let output = child.readToEnd()
    let termination = child.wait()
    return (termination, output, child.standardError)
  }

  // MARK: - Input

  /// Writes all of `bytes` to the child's standard input.
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` naming the tool when it has closed its input
  ///   (usually because it failed: the message ends with its last line of standard error), or
  ///   when there is no input pipe.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard inputDescriptor >= 0 else {
      throw StereoDataError(.tool, path: name, "has no input pipe to write to")
    }
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(inputDescriptor, base + offset, bytes.count - offset)
      if written >= 0 {
        offset += written
      } else if errno != EINTR {
        let reason = String(cString: strerror(errno))
        closeInput()
        let ended = wait()
        let detail = StandardErrorCollector.lastLine(of: standardError)
        throw StereoDataError(
          .tool, path: name,
          "stopped reading its input (\(detail.isEmpty ? "\(reason), \(ended)" : detail))")
      }
    }
  }

  /// Writes all of `bytes` to the child's standard input; see
  /// ``write(_:)-(UnsafeRawBufferPointer)``.
  func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Closes the child's standard input, which tells it that the input has ended.
  func closeInput() {
    if inputDescriptor >= 0 {
      close(inputDescriptor)
      inputDescriptor = -1
    }
  }

  // MARK: - Output

  /// Reads until `buffer` is full or the child's output ends; returns the number of bytes read
  /// (fewer than `buffer.count` only at the end).
  func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    guard outputDescriptor >= 0, let base = buffer.baseAddress else { return 0 }
    var total = 0
    while total < buffer.count {
      let count = systemRead(outputDescriptor, base + total, buffer.count - total)
      if count > 0 {
        total += count
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        break
      }
    }
    return total
  }

  /// Everything the child writes to standard output until it closes it.
  func readToEnd() -> Data {
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(into: $0) }
      data.append(contentsOf: chunk[..<count])
      if count < chunk.count { return data }
    }
  }

  /// Closes this process's end of the child's standard output; a child still writing to it gets
  /// `SIGPIPE` or `EPIPE`.
  func closeOutput() {
    if outputDescriptor >= 0 {
      close(outputDescriptor)
      outputDescriptor = -1
    }
  }

  // MARK: - Ending

  /// Waits for the child to exit and reaps it; later calls return the same answer at once.
  @discardableResult
  func wait() -> Termination {
    if let termination { return termination }
    var status: Int32 = 0
    var result: pid_t
    repeat {
      result = waitpid(processIdentifier, &status, 0)
    } while result < 0 && errno == EINTR
    // `WIFEXITED` and friends are macros Swift does not import: the low 7 bits are the signal
    // (0 for a normal exit) and the next 8 the exit status.
    let signalNumber = status & 0x7f
    let ended: Termination =
      if result < 0 {
        .exited(-1)
      } else if signalNumber == 0 {
        .exited((status >> 8) & 0xff)
      } else {
        .signalled(signalNumber)
      }
    termination = ended
    return ended
  }

  /// Whether the child has been reaped by ``wait()``.
  var hasExited: Bool { termination != nil }

  /// What the child wrote to standard error (its last few kilobytes), once it has closed it;
  /// waits for that.
  var standardError: String { errors.finish() }

  /// Stops a child that has not been reaped yet with `SIGTERM`, closes the pipes and reaps it.
  /// Safe to call more than once. Does not wait for standard error to close (a grandchild may
  /// hold it); the draining thread closes it when it ends.
  func terminate() {
    if termination == nil { kill(processIdentifier, SIGTERM) }
    closeInput()
    closeOutput()
    wait()
  }

  // MARK: - Helpers

  /// Serialises pipe creation and spawning; see ``init(executable:arguments:name:input:output:)``.
  private static let spawnLock = Mutex(())

  /// Opens a close-on-exec pipe into `ends` (`[read, write]`).
  private static func makePipe(_ ends: inout [Int32], name: String) throws {
    let status = ends.withUnsafeMutableBufferPointer { pipe($0.baseAddress) }
    guard status == 0 else {
      throw StereoDataError(
        .tool, path: name, "cannot be started (no pipe: \(String(cString: strerror(errno))))")
    }
    for descriptor in ends { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
  }

  /// Spawns `executable` with `arguments` (program name first) and this process's environment;
  /// `input` and `output` are the child's ends of its pipes (`/dev/null` when `nil`). Returns
  /// `posix_spawn`'s status: 0, or an error number.
  private static func spawn(
    _ child: inout pid_t, executable: URL, arguments: [String], input: Int32?, output: Int32?,
    error: Int32
  ) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let input {
      posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO)
    } else {
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
    }
    if let output {
      posix_spawn_file_actions_adddup2(&actions, output, STDOUT_FILENO)
    } else {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_adddup2(&actions, error, STDERR_FILENO)

    // The child starts with the default SIGPIPE action (this process ignores it) and no
    // blocked signals (the spawning thread may block some).
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    sigaddset(&defaultSignals, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in cArguments { free(pointer) } }
    return posix_spawn(&child, executable.path, &actions, &attributes, cArguments, environ)
  }

  /// Ignores `SIGPIPE` in this process from now on, so that writing to a child that has exited
  /// returns `EPIPE` instead of killing us (exit status 141).
  private static func ignoreBrokenPipeSignal() {
    _ = brokenPipeSignalIgnored
  }

  private static let brokenPipeSignalIgnored: Bool = {
    signal(SIGPIPE, SIG_IGN)
    return true
  }()
}

/// Collects a child process's standard error on a background thread, keeping the last few
/// kilobytes, so the child never blocks on a full pipe.
final class StandardErrorCollector: Sendable {
  private let descriptor: Int32
  private let text = Mutex("")
  private let done = DispatchSemaphore(value: 0)
  /// The most standard error kept, in characters: enough for the last messages of a failing tool.
  static let keptCharacters = 4096

  /// A collector for the read end of a pipe, which it closes when the pipe ends.
  init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  /// Starts draining the pipe.
  func start() {
    DispatchQueue.global(qos: .utility).async { [self] in
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = chunk.withUnsafeMutableBytes {
          systemRead(descriptor, $0.baseAddress, $0.count)
        }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        text.withLock { text in
          text += String(decoding: chunk[..<count], as: UTF8.self)
          if text.count > Self.keptCharacters { text = String(text.suffix(Self.keptCharacters)) }
        }
      }
      close(descriptor)
      done.signal()
    }
  }

  /// Waits until the child has closed standard error and returns what it wrote.
  func finish() -> String {
    done.wait()
    done.signal()  // later calls return at once
    return text.withLock { $0 }
  }

  /// The last non-empty line of `text`, for one-line error messages.
  static func lastLine(of text: String) -> String {
    text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
  }
}

// File-scope names for the C calls that `Subprocess`'s own `read` and `write` shadow.
private func systemRead(
  _ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int
) -> Int {
  read(descriptor, buffer, count)
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}
