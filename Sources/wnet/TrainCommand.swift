import ArgumentParser
import Foundation
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a W-net on rectified stereo pairs, without ground truth.",
      discussion: """
        Without --data, trains on synthetic scenes rendered on the fly (textured slanted planes \
        and occluding objects), so nothing needs downloading. Checkpoints, a JSONL log and an SVG \
        loss curve go to --output; a killed run continues with --resume.
        """)

    @Option(help: "The architecture: realtime (default, fast on CPUs) or original (the 2017 W-net).")
    var preset: WNetPreset = .realtime

    @Option(help: "The smallest candidate disparity, in pixels at the training size (default: the preset's).")
    var minDisparity: Int?

    @Option(help: "The largest candidate disparity, in pixels at the training size (default: the preset's).")
    var maxDisparity: Int?

    @Option(help: "The number of optimisation steps to train for.")
    var steps = 10_000

    @Option(help: "Stereo pairs per step.")
    var batchSize = 6

    @Option(help: "Training crop height, a multiple of 8 (realtime) or 16 (original).")
    var height = 192

    @Option(help: "Training crop width, a multiple of 8 (realtime) or 16 (original).")
    var width = 336

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 1e-4

    @Option(parsing: .upToNextOption, help: "Steps at which the learning rate drops tenfold.")
    var learningRateDrops: [Int] = []

    @Option(help: "The seed of everything random: weights, data order, augmentation, dropout.")
    var seed: UInt64 = 0

    @Option(help: "The run directory: checkpoint.safetensors, log.jsonl and loss.svg go here.")
    var output = "runs/wnet"

    @Flag(help: "Continue the run saved in --output from its last checkpoint.")
    var resume = false

    @Option(help: "Save a checkpoint every this many steps (and at the end).")
    var checkpointEvery = 500

    @Option(help: "Evaluate the held-out set every this many steps (and at the end).")
    var validateEvery = 500

    @Flag(help: "Use the SSIM+L1 appearance loss (α = 0.85) instead of plain L1.")
    var ssim = false

    @Flag(help: "Add the left-right consistency loss (weight 1).")
    var consistency = false

    @Option(help: "The weight of the smoothness term per view (default: the preset's, 0.1 for realtime, 0.001 for original).")
    var smoothnessWeight: Float?

    @OptionGroup(title: "Data (default: synthetic scenes rendered on the fly)")
    var data: DataOptions

    @Option(help: "With --data, the share of each batch made of synthetic scenes (0 for real pairs only).")
    var syntheticShare: Double = 0.5

    func validate() throws {
      guard steps > 0 else { throw ValidationError("'--steps' must be positive.") }
      guard batchSize > 0 else { throw ValidationError("'--batch-size' must be positive.") }
      guard learningRate > 0 else { throw ValidationError("'--learning-rate' must be positive.") }
      guard learningRateDrops == learningRateDrops.sorted(), learningRateDrops.allSatisfy({ $0 > 0 }) else {
        throw ValidationError("'--learning-rate-drops' must be positive steps in ascending order.")
      }
      guard checkpointEvery > 0 else { throw ValidationError("'--checkpoint-every' must be positive.") }
      let multiple = WNetConfiguration(preset: preset).sizeMultiple
      guard height > 0, width > 0, height % multiple == 0, width % multiple == 0 else {
        throw ValidationError("'--height' and '--width' must be positive multiples of \(multiple) for the \(preset.rawValue) preset, got \(width)x\(height).")
      }
      if let smoothnessWeight, !(smoothnessWeight >= 0) { throw ValidationError("'--smoothness-weight' must be non-negative.") }
      guard (0...1).contains(syntheticShare) else { throw ValidationError("'--synthetic-share' must lie in [0, 1].") }
      if let low = minDisparity ?? Optional(WNetConfiguration.defaultRange(for: preset).lowerBound),
        let high = maxDisparity ?? Optional(WNetConfiguration.defaultRange(for: preset).upperBound), high <= low
      {
        throw ValidationError("The disparity range \(low)…\(high) needs at least two candidates.")
      }
    }

    func trainingConfiguration(data record: [String: String]) -> TrainingConfiguration {
      let model = WNetConfiguration(preset: preset, minimumDisparity: minDisparity, maximumDisparity: maxDisparity)
      var loss = LossConfiguration.preset(preset)
      if ssim { loss.ssimWeight = 0.85 }
      if consistency { loss.consistencyWeight = 1 }
      if let smoothnessWeight { loss.smoothnessWeight = smoothnessWeight }
      return TrainingConfiguration(
        model: model, loss: loss, batchSize: batchSize, height: height, width: width, learningRate: learningRate,
        schedule: LearningRateSchedule(milestones: learningRateDrops),
        steps: steps, checkpointInterval: checkpointEvery, validationInterval: validateEvery, seed: seed,
        data: record)
    }

    func run() throws {
      let directory = URL(fileURLWithPath: output)
      let checkpoint = TrainingSession.checkpointURL(in: directory)
      let exists = FileManager.default.fileExists(atPath: checkpoint.path)
      let trainer: Trainer
      if resume {
        guard exists else { throw CLIError("there is no checkpoint to resume in \(directory.path) (expected \(checkpoint.lastPathComponent))") }
        let given = Set(CommandLine.arguments)
        trainer = try Trainer(
          resumingFrom: checkpoint, steps: given.contains("--steps") ? steps : nil,
          schedule: given.contains("--learning-rate-drops") ? LearningRateSchedule(milestones: learningRateDrops) : nil)
        Console.note("Resuming \(directory.path) at step \(trainer.step) of \(trainer.configuration.steps).")
      } else {
        guard !exists else {
          throw CLIError("\(directory.path) already holds a training run; pass --resume to continue it, or choose another --output")
        }
        let split = try TrainingData.split(options: data)
        let record = try TrainingData.record(options: data, syntheticShare: data.paths.isEmpty ? 1 : syntheticShare, split: split?.split)
        trainer = try Trainer(configuration: trainingConfiguration(data: record))
      }
      let configuration = trainer.configuration
      let trainingData = try TrainingData(configuration: configuration, startingAt: trainer.step)
      let session = try TrainingSession(trainer: trainer, source: trainingData.source, validation: trainingData.validation, directory: directory)
      session.notes = ["command": CommandLine.arguments.joined(separator: " ")]
      Console.note(
        "Training \(configuration.model.preset.rawValue) (\(trainer.model.parameters.trainableCount) parameters, disparities \(configuration.model.minimumDisparity)…\(configuration.model.maximumDisparity)) on \(trainingData.summary), batch \(configuration.batchSize) at \(configuration.width)x\(configuration.height), \(Parallel.threadCount) threads, \(Backends.current.name).")
      var bar = ProgressBar(total: configuration.steps)
      var lastValidation = ""
      try session.run { event in
        switch event {
        case .step(let step, _, let loss, let rate, let remaining):
          bar.update(step, String(format: "loss %.4f (rec %.4f, smooth %.3f) %.1f img/s ETA %@%@", loss.total, loss.reconstruction, loss.smoothness, rate, Console.duration(remaining), lastValidation))
        case .validation(_, let loss):
          lastValidation = String(format: " | held-out %.4f", loss.total)
        case .checkpoint:
          break
        }
      }
      print("Trained to step \(trainer.step). Checkpoint: \(checkpoint.path)")
      print("Log: \(directory.appendingPathComponent("log.jsonl").path)  Curve: \(directory.appendingPathComponent("loss.svg").path)")
    }
  }
}

/// A command-line failure with a one-line explanation (ArgumentParser prints it as `Error: …`).
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension WNetPreset: ExpressibleByArgument {}
