import ArgumentParser
import StereoTensor

@main
struct WNetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "wnet", abstract: "Self-supervised stereo depth.")
  func run() throws {
    print(Backends.current.name)
  }
}
