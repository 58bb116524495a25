import StereoTensor
import Testing

@testable import wnet

@Suite("--bfloat16")
struct PrecisionOptionsTests {
  @Test("infer, eval, demo and bench take it; off by default")
  func parsing() throws {
    #expect(try WNetCommand.Infer.parse(["l.png", "r.png", "--bfloat16"]).precision.bfloat16)
    #expect(try !WNetCommand.Infer.parse(["l.png", "r.png"]).precision.bfloat16)
    #expect(try WNetCommand.Eval.parse(["--data", "d", "--bfloat16"]).precision.bfloat16)
    #expect(try WNetCommand.Demo.parse(["--bfloat16"]).precision.bfloat16)
    #expect(try WNetCommand.BenchModel.parse(["--bfloat16"]).precision.bfloat16)
  }

  @Test("Runs its body on oneDNN in bfloat16 where the CPU has it, else on the current backend")
  func running() throws {
    let options = try PrecisionOptions.parse(["--bfloat16"])
    let name = try options.run { Backends.current.name }
    let bfloat16 = DNNLBackend.bfloat16Supported && Backends.current is DNNLBackend
    #expect(name == (bfloat16 ? "oneDNN (bfloat16)" : Backends.current.name))
    let onReference = try withBackend(Backends.reference) {
      try options.run { Backends.current.name }
    }
    #expect(onReference == Backends.reference.name)
    #expect(try PrecisionOptions.parse([]).run { Backends.current.name } == Backends.current.name)
  }
}
