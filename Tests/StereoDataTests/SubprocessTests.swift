import Foundation
import Testing

@testable import StereoData

/// The `posix_spawn` launcher, driven with `/bin/sh` and coreutils, whose behaviour is known
/// from outside the code: exit statuses, signals, and what they write where.
@Suite("Subprocess") struct SubprocessTests {
  static let shell = URL(fileURLWithPath: "/bin/sh")

  @Test("Exit status, standard output and standard error come back separately")
  func capture() throws {
    let result = try Subprocess.run(
      executable: Self.shell, arguments: ["-c", "echo out; echo err >&2; exit 3"], name: "sh")
    #expect(result.termination == .exited(3))
    #expect(String(decoding: result.output, as: UTF8.self) == "out\n")
    #expect(result.errors == "err\n")
    let quiet = try Subprocess.run(executable: Self.shell, arguments: ["-c", "true"], name: "sh")
    #expect(quiet.termination.succeeded && quiet.output.isEmpty && quiet.errors.isEmpty)
  }

  @Test("A child killed by a signal is reported as such")
  func signalled() throws {
    let result = try Subprocess.run(
      executable: Self.shell, arguments: ["-c", "kill -KILL $$"], name: "sh")
    #expect(result.termination == .signalled(SIGKILL))
    #expect(!result.termination.succeeded)
  }

  @Test("Standard input is /dev/null unless piped")
  func nullInput() throws {
    let result = try Subprocess.run(
      executable: Self.shell, arguments: ["-c", "wc -c"], name: "sh")
    #expect(
      String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        == "0\n")
  }

  @Test("Bytes written to standard input come back from cat unchanged")
  func roundTrip() throws {
    let child = try Subprocess(
      executable: URL(fileURLWithPath: "/bin/cat"), arguments: [], name: "cat", input: .pipe,
      output: .pipe)
    // Under the 64 KiB pipe buffer, so writing everything before reading cannot block.
    let bytes = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    try child.write(bytes)
    child.closeInput()
    #expect(child.readToEnd() == Data(bytes))
    #expect(child.wait() == .exited(0))
  }

  @Test("Writing to a child that has exited throws an error naming it, with its last message")
  func brokenPipe() throws {
    let child = try Subprocess(
      executable: Self.shell, arguments: ["-c", "echo first >&2; echo 'cannot go on' >&2; exit 2"],
      name: "sh", input: .pipe)
    // The child never reads: once it has exited, a write fails with EPIPE. Without SIGPIPE
    // ignored this would kill the test process (exit status 141) instead of throwing.
    let chunk = [UInt8](repeating: 7, count: 1 << 20)
    do {
      for _ in 0..<64 { try child.write(chunk) }
      Issue.record("64 MiB went into a child that had exited")
    } catch let error as StereoDataError {
      #expect(error.kind == .tool)
      #expect(error.description == "sh: stopped reading its input (cannot go on)")
    }
    #expect(child.wait() == .exited(2))
  }

  @Test("A child that writes far more than a pipe holds to standard error does not block")
  func chattyStandardError() throws {
    let result = try Subprocess.run(
      executable: Self.shell,
      arguments: [
        "-c", "{ head -c 1000000 /dev/zero | tr '\\000' x; echo; echo last; } >&2; echo done",
      ],
      name: "sh")
    #expect(result.termination == .exited(0))
    #expect(String(decoding: result.output, as: UTF8.self) == "done\n")
    #expect(result.errors.count == StandardErrorCollector.keptCharacters)
    #expect(StandardErrorCollector.lastLine(of: result.errors) == "last")
  }

  @Test("A program that cannot be started throws, naming the tool")
  func missingProgram() throws {
    do {
      _ = try Subprocess(
        executable: URL(fileURLWithPath: "/nonexistent/ffmpeg"), arguments: [], name: "ffmpeg")
      Issue.record("a missing program started")
    } catch let error as StereoDataError {
      #expect(error.kind == .tool)
      #expect(error.description == "ffmpeg: cannot be started (No such file or directory)")
    }
  }

  @Test("terminate stops a running child and reaps it: no zombie is left")
  func terminate() throws {
    let child = try Subprocess(
      executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["100"], name: "sleep")
    let started = Date()
    child.terminate()
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(child.wait() == .signalled(SIGTERM))
    // Reaped: the process id no longer names a child of ours.
    var status: Int32 = 0
    #expect(waitpid(child.processIdentifier, &status, WNOHANG) == -1 && errno == ECHILD)
  }

  @Test("The child does not inherit the parent's ignored SIGPIPE")
  func childSignalsAreDefault() throws {
    // Make sure this process ignores SIGPIPE (as it does after any spawn with an input pipe).
    let primer = try Subprocess(
      executable: Self.shell, arguments: ["-c", "true"], name: "sh", input: .pipe)
    primer.closeInput()
    primer.wait()
    // Signal 13, SIGPIPE, is bit 12 of the /proc masks (0x1000): ignored here…
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let ignored = status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
    let parentMask = UInt64(ignored?.split(separator: "\t").last ?? "", radix: 16) ?? 0
    #expect(parentMask & 0x1000 != 0)
    let pipeline = try Subprocess.run(
      executable: URL(fileURLWithPath: "/bin/grep"),
      arguments: ["-E", "^Sig(Ign|Blk):", "/proc/self/status"], name: "grep")
    let lines = String(decoding: pipeline.output, as: UTF8.self).split(separator: "\n")
    // …but neither ignored nor blocked in the child.
    for line in lines {
      let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? .max
      #expect(mask & 0x1000 == 0, "\(line)")
    }
    #expect(lines.count == 2)
  }
}
