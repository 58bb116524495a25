import Foundation
import StereoData
import StereoTensor
import Testing

@testable import wnet

@Suite("--precision")
struct PrecisionOptionsTests {
  typealias CLI = CommandLineErrorTests

  @Test("infer, eval, demo and bench take it; auto by default; --bfloat16 is its alias")
  func parsing() throws {
    #expect(try WNetCommand.Infer.parse(["l.png", "r.png"]).precision.choice == .auto)
    #expect(
      try WNetCommand.Infer.parse(["l.png", "r.png", "--precision", "float32"]).precision.choice
        == .float32)
    #expect(
      try WNetCommand.Infer.parse(["l.png", "r.png", "--bfloat16"]).precision.choice == .bfloat16)
    #expect(
      try WNetCommand.Eval.parse(["--data", "d", "--precision", "bfloat16"]).precision.choice
        == .bfloat16)
    #expect(try WNetCommand.Demo.parse(["--precision", "float32"]).precision.choice == .float32)
    #expect(try WNetCommand.BenchModel.parse(["--bfloat16"]).precision.choice == .bfloat16)
    #expect(throws: (any Error).self) {
      try WNetCommand.Infer.parse(["l.png", "r.png", "--bfloat16", "--precision", "float32"])
    }
    #expect(throws: (any Error).self) {
      try WNetCommand.Infer.parse(["l.png", "r.png", "--precision", "half"])
    }
  }

  /// Whether /proc/cpuinfo names Intel as the vendor: the oracle of ``DNNLBackend/cpuIsIntel``,
  /// which asks CPUID itself.
  static func vendorIsIntel() -> Bool {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let line = info.split(separator: "\n").first { $0.hasPrefix("vendor_id") }
    return line.map { $0.hasSuffix("GenuineIntel") } ?? false
  }

  @Test("The CPU's vendor as /proc/cpuinfo names it")
  func vendor() throws {
    guard FileManager.default.fileExists(atPath: "/proc/cpuinfo") else { return }
    #expect(DNNLBackend.cpuIsIntel == Self.vendorIsIntel())
  }

  /// `auto`'s rule, case by case: bfloat16 only where oneDNN runs it, `float32` for one pair on
  /// AMX, and `float32` on Intel's CPUs with BF16 but no AMX.
  @Test("auto: every combination of BF16, AMX, vendor and one pair or many")
  func automaticRule() {
    typealias Case = (
      bfloat16: Bool, amx: Bool, intel: Bool, single: Bool, expected: DNNLBackend.Precision
    )
    let cases: [Case] = [
      (false, false, false, false, .float32), (false, false, true, true, .float32),
      (false, true, true, false, .float32),
      (true, true, true, false, .bfloat16), (true, true, true, true, .float32),
      (true, true, false, false, .bfloat16), (true, true, false, true, .float32),
      (true, false, true, false, .float32), (true, false, true, true, .float32),
      (true, false, false, false, .bfloat16), (true, false, false, true, .bfloat16),
    ]
    for c in cases {
      let chosen = Backends.automaticInferencePrecision(
        bfloat16: c.bfloat16, amx: c.amx, intel: c.intel, singlePair: c.single)
      #expect(chosen == c.expected, "\(c)")
    }
  }

  @Test(
    "Runs its body on oneDNN in bfloat16 where the CPU has it and it is asked, else on the current backend"
  )
  func running() throws {
    let bfloat16 = DNNLBackend.bfloat16Supported && Backends.current is DNNLBackend
    // auto: bfloat16 where the CPU has it, except on Intel's without AMX.
    let automatic = bfloat16 && (DNNLBackend.amxSupported || !Self.vendorIsIntel())
    #expect(Backends.defaultInferencePrecision == (automatic ? .bfloat16 : .float32))
    for (arguments, inBFloat16) in [
      (["--bfloat16"], bfloat16), (["--precision", "bfloat16"], bfloat16), ([], automatic),
    ] {
      let options = try PrecisionOptions.parse(arguments)
      let name = try options.run { Backends.current.name }
      #expect(name == (inBFloat16 ? "oneDNN (bfloat16)" : Backends.current.name), "\(arguments)")
      let onReference = try withBackend(Backends.reference) {
        try options.run { Backends.current.name }
      }
      #expect(onReference == Backends.reference.name)
    }
    let float = try PrecisionOptions.parse(["--precision", "float32"])
    #expect(try float.run { Backends.current.name } == Backends.current.name)
  }

  /// The RGB features' precision in bfloat16 without AMX, as oneDNN logs it.
  ///
  /// Read from `DNNL_VERBOSE`: the 3-input-channel convolutions of the matching map, in bfloat16
  /// with oneDNN limited to AVX512-BF16 (no AMX), run in `Float`, and in bfloat16 with
  /// `WNET_FEW_CHANNELS_BFLOAT16=1`. Only where the CPU has AVX512-BF16 (oneDNN cannot be raised
  /// above the CPU).
  @Test("In bfloat16 without AMX, oneDNN's few-channel convolutions run in Float")
  func fewChannelsInFloat() throws {
    guard DNNLBackend.bfloat16Supported, Backends.defaultBackend is DNNLBackend else { return }
    let arguments = [
      "bench", "--preset", "matching", "--width", "64", "--height", "48", "--max-disparity", "32",
      "--runs", "1", "--warmup", "0", "--marked", "--precision", "bfloat16",
    ]
    let emulated = [
      "DNNL_VERBOSE": "1", "DNNL_MAX_CPU_ISA": "AVX512_CORE_BF16", "WNET_NARROW_AMX": "0",
    ]
    for (extra, source) in [([:], "src_f32"), (["WNET_FEW_CHANNELS_BFLOAT16": "1"], "src_bf16")] {
      let outcome = try CLI.run(arguments, environment: emulated.merging(extra) { $1 })
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let rgb = (outcome.standardOutput + outcome.standardError).split(separator: "\n").filter {
        $0.hasPrefix("onednn_verbose,exec,cpu,convolution") && $0.contains("_ic3oc")
      }
      #expect(
        !rgb.isEmpty && rgb.allSatisfy { $0.contains(source) }, "\(extra): \(rgb.first ?? "")")
    }
  }

  /// Which layers of the matching map run on AMX tiles in bfloat16, as oneDNN logs them and the
  /// profile counts them.
  ///
  /// On AMX, the convolutions whose outputs are not a multiple of 16 run in `Float`: those left
  /// to oneDNN on its `Float` kernels (`src_f32`, and none of them on `amx`), the wide 3×3 ones on
  /// the Winograd kernel (its profile row); with `WNET_AMX_ALL_OUTPUTS=1` all on the tiles and
  /// no Winograd call. Layers of 32 and 48 outputs stay on the tiles either way. Only where
  /// oneDNN has AMX.
  @Test("In bfloat16 on AMX, layers whose outputs fill no whole tile run in Float")
  func partialTilesInFloat() throws {
    guard DNNLBackend.amxSupported, Backends.defaultBackend is DNNLBackend else { return }
    let arguments = [
      "bench", "--preset", "matching", "--width", "64", "--height", "48", "--max-disparity", "32",
      "--runs", "1", "--warmup", "0", "--marked", "--profile",
    ]
    for allOnTiles in [false, true] {
      let outcome = try CLI.run(
        arguments,
        environment: ["DNNL_VERBOSE": "1"].merging(allOnTiles ? ["WNET_AMX_ALL_OUTPUTS": "1"] : [:])
        { $1 })
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let lines = (outcome.standardOutput + outcome.standardError).split(separator: "\n")
      let convolutions = lines.filter { $0.hasPrefix("onednn_verbose,exec,cpu,convolution") }
      let partial = convolutions.filter {
        $0.contains("oc4_") || $0.contains("oc8_") || $0.contains("oc24_")
      }
      let whole = convolutions.filter { $0.contains("oc32_") || $0.contains("oc48_") }
      #expect(
        !partial.isEmpty && !whole.isEmpty, "\(allOnTiles): \(convolutions.count) convolutions")
      #expect(partial.allSatisfy { $0.contains("amx") == allOnTiles }, "\(partial.first ?? "")")
      #expect(partial.allSatisfy { $0.contains("src_f32") != allOnTiles }, "\(partial.first ?? "")")
      #expect(whole.allSatisfy { $0.contains("amx") }, "\(whole.first ?? "")")
      let winograd = lines.contains { $0.hasPrefix("conv.winograd 3x3") }
      #expect(winograd != allOnTiles, "the Winograd kernel runs exactly where layers leave tiles")
    }
  }

  @Test("eval names bfloat16 in its method where it ran so, and not with --precision float32")
  func evalMethod() throws {
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = try CLI.synthesizeScenes(in: folder)
    let bfloat16 =
      DNNLBackend.bfloat16Supported && Backends.defaultBackend is DNNLBackend
      && Backends.defaultInferencePrecision == .bfloat16
    for (arguments, expected) in [([String](), bfloat16), (["--precision", "float32"], false)] {
      let outcome = try CLI.run(["eval", "--data", data.path, "--json"] + arguments)
      #expect(outcome.status == 0, "\(outcome.standardError)")
      let parsed = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))
      let method = try #require((parsed as? [String: Any])?["method"] as? String)
      #expect(method.hasSuffix(", bfloat16") == expected, "\(arguments): \(method)")
    }
  }
}

/// `--precision auto` for one pair against many (``Backends/defaultInferencePrecision(singlePair:)``).
@Suite("--precision auto: one pair or many", .serialized)
struct SinglePairPrecisionTests {
  typealias CLI = CommandLineErrorTests

  /// The map `wnet infer` writes for pair `a` of `folder` (`L/a.png`, `R/a.png`), given alone or
  /// with pair `b` as two folders.
  static func map(_ folder: URL, many: Bool, _ arguments: [String]) throws -> Image {
    let output = folder.appendingPathComponent("out-\(many)-\(arguments.joined(separator: "-"))")
    let views =
      many
      ? ["L", "R"].map { folder.appendingPathComponent($0).path }
      : ["L/a.png", "R/a.png"].map { folder.appendingPathComponent($0).path }
    let outcome = try CLI.run(
      ["infer"] + views + ["--max-disparity", "24", "-o", output.path] + arguments)
    #expect(outcome.status == 0, "\(outcome.standardError)")
    return try ImageIO.read(
      output.appendingPathComponent(many ? "a/disparity.pfm" : "disparity.pfm"))
  }

  /// The default precision of one pair and of two, seen in their maps.
  ///
  /// Where oneDNN has AMX, a single pair's default map is `--precision float32`'s and not
  /// bfloat16's; two pairs' default maps are bfloat16's. On Intel's CPUs with BF16 and no AMX
  /// both are `float32`'s; elsewhere with BF16 both are bfloat16's. Only where the CPU has BF16
  /// (else every choice is float32).
  @Test(
    "A single pair runs in float32 where oneDNN has AMX; many pairs in bfloat16 but on Intel's without AMX"
  )
  func singlePairOnAMX() throws {
    guard DNNLBackend.bfloat16Supported, Backends.defaultBackend is DNNLBackend else { return }
    let folder = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let synthetic = SyntheticStereoGenerator(
      configuration: .init(width: 96, height: 64, minimumDisparity: 2, maximumDisparity: 20))
    var generator = SeededGenerator(seed: 5)
    for name in ["a", "b"] {
      let pair = synthetic.makePair(using: &generator)
      for (side, image) in [("L", pair.left), ("R", pair.right)] {
        let url = folder.appendingPathComponent("\(side)/\(name).png")
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ImageIO.writePNG(image, to: url)
      }
    }
    let float = try Self.map(folder, many: false, ["--precision", "float32"])
    let bfloat = try Self.map(folder, many: false, ["--precision", "bfloat16"])
    // Compared as flags, so that a failure names the case rather than printing the maps.
    let precisionsDiffer = float != bfloat
    try #require(precisionsDiffer, "the two precisions must differ on this pair for the test")
    let single = try Self.map(folder, many: false, [])
    let singleIsFloat = single == float
    let singleIsBFloat = single == bfloat
    // Intel's CPUs without AMX run every map in float32 (their bfloat16 kernels are slower).
    let intelWithoutAMX = !DNNLBackend.amxSupported && PrecisionOptionsTests.vendorIsIntel()
    let singleInFloat = DNNLBackend.amxSupported || intelWithoutAMX
    #expect(singleIsFloat == singleInFloat, "one pair runs in float32 on AMX and Intel's CPUs")
    #expect(singleIsBFloat == !singleInFloat, "one pair runs in bfloat16 elsewhere")
    let many = try Self.map(folder, many: true, [])
    let manyIsBFloat = many == (try Self.map(folder, many: true, ["--precision", "bfloat16"]))
    let manyIsFloat = many == (try Self.map(folder, many: true, ["--precision", "float32"]))
    #expect(manyIsBFloat == !intelWithoutAMX && manyIsFloat == intelWithoutAMX, "two pairs")
  }
}
