import ArgumentParser
import Foundation
import StereoData
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

        Examples:
          wnet train --steps 2000 -o runs/synthetic
          wnet train --data my-pairs/ --data frames/ --batch-size 4 -o runs/mine
          wnet train --resume -o runs/mine
        """)

    // Options are optional so that `--resume` knows which were given: those replace the
    // stored recipe's values; the defaults in the help apply to new runs only.

    @Option(
      help: ArgumentHelp(
        "The architecture: matching (default, the bundled model's), realtime or original (the "
          + "2017 W-net). Each brings its own loss, learning rate and augmentation defaults."))
    var preset: WNetPreset?

    @Option(
      help:
        "The smallest candidate disparity, in pixels at the training size (default: the preset's).")
    var minDisparity: Int?

    @Option(
      help:
        "The largest candidate disparity, in pixels at the training size (default: the preset's).")
    var maxDisparity: Int?

    @OptionGroup var architecture: ArchitectureOptions

    @Option(
      help:
        "The number of optimisation steps in all, counted from the run's start (on --resume too); default 10000."
    )
    var steps: Int?

    @Option(help: "Stereo pairs per step (default: 6).")
    var batchSize: Int?

    @Option(
      help:
        "Training crop height, a multiple of 8 (matching, realtime) or 16 (original); default 192.")
    var height: Int?

    @Option(
      help:
        "Training crop width, a multiple of 8 (matching, realtime) or 16 (original); default 336.")
    var width: Int?

    @Option(help: "Adam's learning rate (default: 0.001 for matching, 0.0001 for the others).")
    var learningRate: Float?

    @Option(parsing: .upToNextOption, help: "Steps at which the learning rate drops tenfold.")
    var learningRateDrops: [Int] = []

    @Option(
      help: ArgumentHelp(
        "Raise the learning rate linearly over this many first steps (0: none; for fine-tunes "
          + "from trained weights, whose optimizer starts afresh)."))
    var warmupSteps: Int?

    @Option(
      help: "The seed of all randomness: weights, data order, augmentation, dropout (default: 0).")
    var seed: UInt64?

    @Option(
      name: .shortAndLong,
      help: "The run directory: checkpoint.safetensors, log.jsonl and loss.svg go here.")
    var output = "runs/wnet"

    @Flag(
      help: """
        Continue the run saved in --output from its last checkpoint, with its stored recipe; \
        options given again (--steps, --learning-rate-drops, --data...) replace the stored ones.
        """)
    var resume = false

    @Option(
      help: ArgumentHelp(
        "Start the new run from this model's weights (a checkpoint or an exported model, such as "
          + "the bundled Sources/StereoDepth/Resources/wnet-matching.safetensors) instead of "
          + "seeded ones, with a fresh optimizer at step 0: fine-tuning, or a warm restart. The "
          + "model's architecture is the run's.",
        valueName: "file"))
    var initFrom: String?

    @Flag(
      help: ArgumentHelp(
        "With --init-from: the run's architecture options may change the model's parameters "
          + "(the same preset and range); parameters of the same name and shape are copied, the "
          + "others start from the seed (a warm start of a new architecture, such as "
          + "--quarter-coarse from a 1/8 model)."))
    var transplant = false

    @Option(help: "Save a checkpoint every this many steps (and at the end) (default: 500).")
    var checkpointEvery: Int?

    @Option(help: "Evaluate the held-out set every this many steps (and at the end); default 500.")
    var validateEvery: Int?

    @Option(
      help: ArgumentHelp(
        "After the last step, re-estimate the batch-norm statistics as the plain average over "
          + "this many training batches (forward only), then save again (default: 0, keep the "
          + "running averages of the last few batches).",
        valueName: "batches"))
    var batchNormRecalibration: Int?

    @Flag(
      inversion: .prefixedNo,
      help:
        "Use the SSIM+L1 appearance loss (α = 0.85) instead of plain L1 (default: on for matching)."
    )
    var ssim: Bool?

    @Flag(
      help: "Compare views by soft census transforms (7x7, grey; UnFlow) instead of colours by L1.")
    var census = false

    @Flag(help: "Add the left-right consistency loss (weight 1).")
    var consistency = false

    @Flag(
      inversion: .prefixedNo,
      help: ArgumentHelp(
        "Leave pixels failing the left-right check (by more than 1 px) out of reconstruction "
          + "(default: on for matching)."))
    var occlusionMask: Bool?

    @Option(
      help: ArgumentHelp(
        "Which pixels the occlusion mask leaves out: left-right (those failing the check, "
          + "visible ones included) or coverage (those no pixel of the other view maps onto; "
          + "also masks --consistency). Default: left-right."))
    var occlusionRule: LossConfiguration.OcclusionRule?

    @Option(
      help: ArgumentHelp(
        "The weight of the confidence-weighted loss to OpenCV SGBM proxy disparities of real "
          + "pairs, cached in the run's 'proxies' folder (default 1 for matching, else 0: off)."))
    var proxyWeight: Float?

    @Option(
      help: """
        A model file whose disparities at '--upscale auto', checked left against right, replace \
        SGBM's as the proxies of the real pairs (computed once into the run's proxies folder).
        """)
    var proxyTeacher: String?

    @Option(
      help: ArgumentHelp(
        "With --proxy-teacher, what the pixels the teacher rejects hold: empty (no proxy), "
          + "sgbm (OpenCV SGBM's proxy where it has one, cached beside) or sgbm-conflicts (as "
          + "sgbm, and SGBM's proxy also where the teacher's differs from it by more than 3 px). "
          + "Default: empty."))
    var proxyHoles: TrainingDataRecipe.ProxyHoles?

    @Flag(
      help: """
        With --proxy-teacher, pass the teacher's kept pixels through the weighted median of \
        'wnet infer --median full' before they become proxies.
        """)
    var proxyTeacherMedian = false

    @Option(
      help: """
        With --proxy-teacher, adapt the teacher to each pair with this many steps of \
        'wnet infer --adapt' before its maps become proxies (at the standard upscale, not \
        'auto'; default: 0, none).
        """)
    var proxyTeacherAdapt: Int?

    @Option(
      help:
        "The weight of the smoothness term per view (default: the preset's, 0.01 for matching, 0.1 for realtime, 0.001 for original)."
    )
    var smoothnessWeight: Float?

    @Option(
      help:
        "The weight of an edge-aware second-order smoothness term per view, at every scale: a planar prior for weakly textured surfaces (default 0: off)."
    )
    var secondOrderSmoothness: Float?

    @OptionGroup(title: "Data (default: synthetic scenes rendered on the fly)")
    var data: DataOptions

    @Option(
      help:
        "With --data, the share of each batch made of synthetic scenes (0: real pairs only; default 0.5)."
    )
    var syntheticShare: Double?

    @Option(
      name: .customLong("evaluation-data"),
      help: ArgumentHelp(
        "With --data, a dataset you evaluate on (repeatable): training pairs whose left view is "
          + "the same picture as one of its left views, at any size, are left out, so that its "
          + "scores stay held out.",
        discussion:
          "Compared by a 16x16 grey thumbnail (docs/RUNS.md); stored in the run. The README's "
          + "recipes name the evaluation sets: MiddEval3's Teddy, among the Middlebury 2014 "
          + "training pairs, is Middlebury 2003's teddy.",
        valueName: "path"))
    var evaluationData: [String] = []

    @Option(
      help: ArgumentHelp(
        "Up to this many thin bars (1-4 px thick, at any angle, nearer than the background) in "
          + "each synthetic scene, so that training sees thin structures (default 0)."))
    var thinBars: Int?

    @Option(
      help: ArgumentHelp(
        "The share of synthetic scenes whose background is folded: two planes meeting in a "
          + "valley, as a book's gutter or a room's corner (0-1, default 0)."))
    var syntheticFolds: Float?

    @Option(
      help: ArgumentHelp(
        "The share of synthetic surfaces painted like wood: their texture's noise stretched "
          + "along the rows, so that matching along a row is ambiguous there, as on a plank "
          + "(0-1, default 0)."))
    var syntheticGrain: Float?

    @Option(
      help: ArgumentHelp(
        "With --data, the largest scale a real pair is drawn at (default 2.5 for matching, else "
          + "1: pairs larger than the crop are only shrunk). Above 1, pairs may be enlarged (bilinear), disparities with "
          + "them, up to this factor where --min-coverage allows it.",
        discussion: "The scale is log-uniform in [sFit, max(sFit, min(S, sqrt(crop area / "
          + "(coverage · image area))))], sFit fitting the crop; e.g. --max-scale 4 "
          + "--min-coverage 0.01 lets a 700x480 pair with a 336x192 crop reach 4 (sCover 4.38)."))
    var maxScale: Float?

    @Option(
      help: ArgumentHelp(
        "With --data, the smallest share of the scaled pair a crop covers, in (0, 1] "
          + "(default 0.03 for matching, else 0.25); lower it to let --max-scale enlarge large "
          + "pairs."))
    var minCoverage: Float?

    @Option(
      help: ArgumentHelp(
        "With --data, the smallest contrast factor of the photometric jitter: real pairs' "
          + "contrast around their mean is scaled by c, uniform in [C, 1.2] (default 0.8); "
          + "lower it to train on weakly textured views."))
    var minContrast: Float?

    @Option(
      help: ArgumentHelp(
        "With --data, the probability of mirroring a real pair's views top to bottom (both, "
          + "unswapped; rows stay epipolar lines), in [0, 1] (default 0)."))
    var verticalFlip: Float?

    /// The preset of a new run: `--preset`, else the bundled default model's.
    var newRunPreset: WNetPreset { preset ?? PretrainedModel.defaultPreset }

    func validate() throws {
      if let steps, steps <= 0 { throw ValidationError("'--steps' must be positive.") }
      if let batchNormRecalibration, batchNormRecalibration < 0 {
        throw ValidationError("'--batch-norm-recalibration' must not be negative.")
      }
      if let batchSize, batchSize <= 0 { throw ValidationError("'--batch-size' must be positive.") }
      if let learningRate, !(learningRate > 0) {
        throw ValidationError("'--learning-rate' must be positive.")
      }
      guard LearningRateSchedule.isValid(milestones: learningRateDrops, warmup: 0) else {
        throw ValidationError("'--learning-rate-drops' must be positive steps in ascending order.")
      }
      if let warmupSteps, warmupSteps < 0 {
        throw ValidationError("'--warmup-steps' must not be negative.")
      }
      if resume && initFrom != nil {
        throw ValidationError(
          "'--init-from' starts a new run; '--resume' continues one: give one of them.")
      }
      if transplant && initFrom == nil {
        throw ValidationError("'--transplant' needs '--init-from'.")
      }
      if let checkpointEvery, checkpointEvery <= 0 {
        throw ValidationError("'--checkpoint-every' must be positive.")
      }
      // On --resume the stored size fills in, and the recipe's own check catches a bad one.
      if !resume {
        let preset = newRunPreset
        try architecture.check(for: preset)
        // The range is checked below: the preset's own here, so a reversed one cannot trap.
        let defaults = TrainingRecipe(
          model: architecture.model(for: preset))
        let (height, width) = (self.height ?? defaults.height, self.width ?? defaults.width)
        let multiple = defaults.model.sizeMultiple
        guard height > 0, width > 0, height % multiple == 0, width % multiple == 0 else {
          throw ValidationError(
            "'--height' and '--width' must be positive multiples of \(multiple) for the \(preset.rawValue) preset, got \(width)x\(height)."
          )
        }
      }
      if let smoothnessWeight, !(smoothnessWeight >= 0 && smoothnessWeight.isFinite) {
        throw ValidationError("'--smoothness-weight' must be non-negative and finite.")
      }
      if let secondOrderSmoothness, !(secondOrderSmoothness >= 0 && secondOrderSmoothness.isFinite)
      {
        throw ValidationError("'--second-order-smoothness' must be non-negative.")
      }
      if let proxyWeight, !(proxyWeight >= 0 && proxyWeight.isFinite) {
        throw ValidationError("'--proxy-weight' must be non-negative.")
      }
      // The rule is the library's; the messages name the options.
      if let minCoverage,
        !AugmentationConfiguration.scaleProblems(minimumCoverage: minCoverage, maximumScale: 1)
          .isEmpty
      {
        throw ValidationError("'--min-coverage' must lie in (0, 1].")
      }
      if let maxScale,
        !AugmentationConfiguration.scaleProblems(minimumCoverage: 1, maximumScale: maxScale)
          .isEmpty
      {
        throw ValidationError("'--max-scale' must be positive.")
      }
      // The jitter's upper bound stays the library's default.
      let maxContrast = AugmentationConfiguration.standard.contrast.upperBound
      if let minContrast, !(minContrast > 0 && minContrast <= maxContrast) {
        throw ValidationError("'--min-contrast' must lie in (0, \(maxContrast)].")
      }
      if let verticalFlip, !(0...1).contains(verticalFlip) {
        throw ValidationError("'--vertical-flip' must lie in [0, 1].")
      }
      if let thinBars, thinBars < 0 { throw ValidationError("'--thin-bars' must not be negative.") }
      if let syntheticFolds, !(0...1).contains(syntheticFolds) {
        throw ValidationError("'--synthetic-folds' must lie in [0, 1].")
      }
      if let syntheticGrain, !(0...1).contains(syntheticGrain) {
        throw ValidationError("'--synthetic-grain' must lie in [0, 1].")
      }
      if let syntheticShare, !(0...1).contains(syntheticShare) {
        throw ValidationError("'--synthetic-share' must lie in [0, 1].")
      }
      if !resume {
        let preset = newRunPreset
        let low = minDisparity ?? WNetConfiguration.defaultRange(for: preset).lowerBound
        let high = maxDisparity ?? WNetConfiguration.defaultRange(for: preset).upperBound
        guard high > low else {
          throw ValidationError("The disparity range \(low)…\(high) needs at least two candidates.")
        }
      }
    }

    /// The model of a new run: the options given, the preset's defaults for the others.
    var newModel: WNetConfiguration {
      architecture.model(
        for: newRunPreset, minimumDisparity: minDisparity, maximumDisparity: maxDisparity)
    }

    /// The recipe of a new run: the options given, the defaults for the others; the model is
    /// `initial`'s (`--init-from`'s) when given.
    func newRecipe(startingFrom initial: WNetConfiguration? = nil) throws -> TrainingRecipe {
      guard let initial, let initFrom else { return try revising(TrainingRecipe(model: newModel)) }
      return try revising(TrainingRecipe(model: initial), modelOf: "\(initFrom) holds")
    }

    /// `recipe` with the options given replacing its values; a new split is drawn when the data
    /// sources or the split policy changed.
    ///
    /// - Throws: ``CLIError`` for an option that cannot change `recipe` (another model on
    ///   `--resume`, a data setting without data), or the data's error when a split is drawn.
    /// `owner` names the model's source in the error ("the run in runs/a trains"); a model from
    /// `--init-from` (`owner` given) may change its hand-offs
    /// (``WNetConfiguration/hasSameParameters(as:)``), nothing else.
    func revising(_ recipe: TrainingRecipe, modelOf owner: String? = nil) throws -> TrainingRecipe {
      var revised = recipe
      // The model is fixed by the recipe (a new run's is built from these same options).
      let preset = self.preset ?? recipe.model.preset
      let range =
        self.preset == nil
        ? (recipe.model.minimumDisparity, recipe.model.maximumDisparity)
        : (
          WNetConfiguration.defaultRange(for: preset).lowerBound,
          WNetConfiguration.defaultRange(for: preset).upperBound
        )
      let (low, high) = (minDisparity ?? range.0, maxDisparity ?? range.1)
      let model = architecture.applied(to: recipe.model)
      guard preset == recipe.model.preset, low == recipe.model.minimumDisparity,
        high == recipe.model.maximumDisparity,
        model == recipe.model
          || (owner != nil && (transplant || model.hasSameParameters(as: recipe.model)))
      else {
        let settings = recipe.model.matchingOnlySettings.map(ArchitectureOptions.option)
        let context = settings.isEmpty ? "" : " (\(settings.joined(separator: " ")))"
        throw CLIError(
          "\(owner ?? "the run in \(output) trains") a \(recipe.model.preset.rawValue) model with "
            + "disparities "
            + "\(recipe.model.minimumDisparity)…\(recipe.model.maximumDisparity)\(context); "
            + "'--preset', '--min-disparity', '--max-disparity' and the architecture options "
            + "cannot change it")
      }
      revised.model = model
      if let ssim { revised.loss.ssimWeight = ssim ? 0.85 : 0 }
      if consistency { revised.loss.consistencyWeight = 1 }
      if let occlusionMask { revised.loss.occlusionMask = occlusionMask }
      if let occlusionRule { revised.loss.occlusionRule = occlusionRule }
      if census { revised.loss.census = true }
      if let proxyWeight { revised.loss.proxyWeight = proxyWeight }
      if let smoothnessWeight { revised.loss.smoothnessWeight = smoothnessWeight }
      if let secondOrderSmoothness {
        revised.loss.secondOrderSmoothnessWeight = secondOrderSmoothness
      }
      if let batchSize { revised.batchSize = batchSize }
      if let height { revised.height = height }
      if let width { revised.width = width }
      if let learningRate { revised.learningRate = learningRate }
      // Both validated above.
      if !learningRateDrops.isEmpty { revised.schedule.milestones = learningRateDrops }
      if let warmupSteps { revised.schedule.warmup = warmupSteps }
      if let steps { revised.steps = steps }
      if let checkpointEvery { revised.checkpointInterval = checkpointEvery }
      if let validateEvery { revised.validationInterval = validateEvery }
      if let seed { revised.seed = seed }
      if let batchNormRecalibration { revised.batchNormRecalibration = batchNormRecalibration }
      revised.data = try revisingData(recipe.data)
      return revised
    }

    /// `path` as an absolute, standardized path, so that `--resume` works from any directory.
    static func absolute(_ path: String) -> String {
      URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The data part of `recipe` with the data options given applied.
    func revisingData(_ recipe: TrainingDataRecipe) throws -> TrainingDataRecipe {
      var revised = recipe
      if !data.paths.isEmpty {
        // Absolute, so that --resume works from any directory.
        revised.sources = data.paths.map {
          StereoDatasetConfiguration(path: URL(fileURLWithPath: $0).standardizedFileURL.path)
        }
        if !recipe.hasRealPairs { revised.syntheticShare = 0.5 }
      }
      if let thinBars { revised.synthetic.thinBars = 0...thinBars }
      if let syntheticFolds { revised.synthetic.foldProbability = syntheticFolds }
      if let syntheticGrain { revised.synthetic.grainProbability = syntheticGrain }
      guard revised.hasRealPairs else {
        let given =
          data.givenSourceSettings + (syntheticShare == nil ? [] : ["--synthetic-share"])
          + (maxScale == nil ? [] : ["--max-scale"])
          + (minCoverage == nil ? [] : ["--min-coverage"])
          + (minContrast == nil ? [] : ["--min-contrast"])
          + (verticalFlip == nil ? [] : ["--vertical-flip"])
          + (proxyTeacher == nil ? [] : ["--proxy-teacher"])
          + (proxyHoles == nil ? [] : ["--proxy-holes"])
          + (proxyTeacherMedian ? ["--proxy-teacher-median"] : [])
          + (proxyTeacherAdapt == nil ? [] : ["--proxy-teacher-adapt"])
          + (evaluationData.isEmpty ? [] : ["--evaluation-data"])
          + (data.givesSplitPolicy ? ["--hold-out/--validation-fraction/--split-seed"] : [])
        if let first = given.first { throw CLIError("'\(first)' needs '--data'") }
        return revised
      }
      revised.sources = revised.sources.map(data.applyingSourceSettings(to:))
      if let syntheticShare { revised.syntheticShare = syntheticShare }
      if let maxScale { revised.augmentation.maximumScale = maxScale }
      if let minCoverage { revised.augmentation.minimumCoverage = minCoverage }
      if let verticalFlip { revised.augmentation.verticalFlipProbability = verticalFlip }
      if let minContrast {
        revised.augmentation.contrast = minContrast...revised.augmentation.contrast.upperBound
      }
      if data.givesSplitPolicy { revised.splitPolicy = data.splitPolicy }
      if let proxyTeacher { revised.proxyTeacher = Self.absolute(proxyTeacher) }
      if let proxyHoles { revised.proxyHoles = proxyHoles }
      if proxyTeacherMedian { revised.proxyTeacherMedian = true }
      if let proxyTeacherAdapt {
        guard proxyTeacherAdapt >= 0 else {
          throw CLIError("'--proxy-teacher-adapt' must be non-negative, got \(proxyTeacherAdapt)")
        }
        revised.proxyTeacherAdaptation = proxyTeacherAdapt
      }
      if !evaluationData.isEmpty { revised.evaluationSources = evaluationData.map(Self.absolute) }
      if revised.proxyTeacherMedian && revised.proxyTeacher == nil {
        throw CLIError("'--proxy-teacher-median' needs '--proxy-teacher'")
      }
      if revised.proxyTeacherAdaptation != 0 && revised.proxyTeacher == nil {
        throw CLIError("'--proxy-teacher-adapt' needs '--proxy-teacher'")
      }
      if revised.proxyHoles != .empty && revised.proxyTeacher == nil {
        throw CLIError("'--proxy-holes \(revised.proxyHoles.rawValue)' needs '--proxy-teacher'")
      }
      if revised.sources != recipe.sources || revised.splitPolicy != recipe.splitPolicy
        || revised.evaluationSources != recipe.evaluationSources || revised.split == nil
      {
        revised = try revised.drawingSplit()
      }
      return revised
    }

    /// The options given again on `--resume` that differ from the stored run and may not change
    /// (they define the run: its batches, crops, seed and objective), one phrase each.
    func conflicts(with stored: TrainingRecipe) -> [String] {
      var conflicts: [String] = []
      func check<T: Equatable>(_ option: String, _ given: T?, _ stored: T) {
        if let given, given != stored {
          conflicts.append("'\(option) \(given)' (the run uses \(stored))")
        }
      }
      check("--batch-size", batchSize, stored.batchSize)
      check("--height", height, stored.height)
      check("--width", width, stored.width)
      check("--seed", seed, stored.seed)
      check("--smoothness-weight", smoothnessWeight, stored.loss.smoothnessWeight)
      check(
        "--second-order-smoothness", secondOrderSmoothness,
        stored.loss.secondOrderSmoothnessWeight)
      if let ssim, ssim != (stored.loss.ssimWeight > 0) {
        conflicts.append(
          ssim ? "'--ssim' (the run uses L1)" : "'--no-ssim' (the run uses SSIM+L1)")
      }
      if consistency && stored.loss.consistencyWeight != 1 {
        conflicts.append("'--consistency' (the run uses weight \(stored.loss.consistencyWeight))")
      }
      check("--proxy-weight", proxyWeight, stored.loss.proxyWeight)
      check("--proxy-teacher", proxyTeacher.map(Self.absolute), stored.data.proxyTeacher ?? "SGBM")
      check("--proxy-holes", proxyHoles?.rawValue, stored.data.proxyHoles.rawValue)
      check("--proxy-teacher-adapt", proxyTeacherAdapt, stored.data.proxyTeacherAdaptation)
      if proxyTeacherMedian && !stored.data.proxyTeacherMedian {
        conflicts.append("'--proxy-teacher-median' (the run's teacher has no median)")
      }
      if census && !stored.loss.census {
        conflicts.append("'--census' (the run trains with colour L1)")
      }
      if let occlusionMask, occlusionMask != stored.loss.occlusionMask {
        conflicts.append(
          occlusionMask
            ? "'--occlusion-mask' (the run trains without it)"
            : "'--no-occlusion-mask' (the run trains with it)")
      }
      if let occlusionRule, occlusionRule != stored.loss.occlusionRule {
        conflicts.append(
          "'--occlusion-rule \(occlusionRule.rawValue)' (the run uses "
            + "\(stored.loss.occlusionRule.rawValue))")
      }
      return conflicts
    }

    func run() throws {
      let directory = URL(fileURLWithPath: output)
      let rotation = CheckpointRotation(directory: directory)
      let exists = FileManager.default.fileExists(atPath: rotation.url(age: 0).path)
      if !resume && exists {
        throw CLIError(
          "\(directory.path) already holds a training run; pass --resume to continue it, or "
            + "choose another --output")
      }
      if resume && !FileManager.default.fileExists(atPath: directory.path) {
        throw CLIError(
          "there is no checkpoint to resume in \(directory.path) (expected "
            + "\(rotation.url(age: 0).lastPathComponent))")
      }
      // A new run's recipe (and --init-from's file, read once) is checked before anything is
      // written.
      let initialWeights = initFrom.map { URL(fileURLWithPath: $0) }
      let initial = try initialWeights.map { try WNetCheckpoint.loadModel($0) }
      let newRunRecipe =
        resume ? nil : try newRecipe(startingFrom: initial?.metadata.configuration)
      // The recipe's own limits (a crop past 8192 px) fail before the folder is created.
      if let problem = newRunRecipe?.problems.first { throw CLIError(problem) }
      try AtomicFile.createFolder(at: directory)
      let lock = try TrainingLock.acquire(in: directory)
      defer { lock.release() }
      if let owner = lock.takenOverFrom {
        Console.note("Took over the lock of process \(owner), which is no longer running.")
      }
      let removed = rotation.removeTemporaryFiles()
      if removed > 0 { Console.note("Removed \(removed) temporary files left by a stopped run.") }
      let trainer: Trainer
      let command = CommandLine.arguments.joined(separator: " ")
      var notes = ["command": command]
      if let newRunRecipe {
        if let initial, let weights = initialWeights {
          trainer = try Trainer(
            recipe: newRunRecipe, initialModel: initial.model, source: weights.path,
            transplant: transplant)
          if !trainer.freshParameters.isEmpty {
            Console.note(
              "Transplanted: \(trainer.freshParameters.count) parameters start from the seed "
                + "(\(trainer.freshParameters.joined(separator: ", "))).")
          }
          // Provenance: the file, its step and the command that trained it.
          notes["initial weights"] =
            "\(weights.standardizedFileURL.path) (step \(initial.metadata.step))"
          if let trained = initial.metadata.notes["command"] {
            notes["initial weights command"] = trained
          }
          Console.note("Starting from the weights of \(weights.path).")
        } else {
          trainer = try Trainer(recipe: newRunRecipe)
        }
      } else {
        let (readable, skipped) = try rotation.resumable()
        for problem in skipped { Console.note("Skipping a damaged checkpoint: \(problem)") }
        let metadata = try WNetCheckpoint.read(readable).metadata
        guard let stored = metadata.training else {
          throw CLIError(
            "\(readable.path) holds no training state (an exported model?); it cannot be resumed")
        }
        let conflicts = conflicts(with: stored)
        if !conflicts.isEmpty {
          throw CLIError(
            "the run in \(directory.path) cannot change on resume: "
              + conflicts.joined(separator: ", ") + "; --steps, the learning rate and its drops, "
              + "the intervals and the data may change")
        }
        let recipe = try revising(stored)
        guard metadata.step <= recipe.steps else {
          throw CLIError(
            "'--steps \(recipe.steps)' is below the step the run in \(directory.path) has reached "
              + "(\(metadata.step)); --steps counts from the run's start: give more than "
              + "\(metadata.step) to train on")
        }
        // The damaged newer files go aside, so that saving never rotates one into checkpoint.1
        // in place of the readable checkpoint.
        let (checkpoint, setAside) = try rotation.promote(readable)
        for url in setAside {
          Console.note(
            "Kept the damaged checkpoint as \(url.lastPathComponent); "
              + "\(readable.lastPathComponent) is now \(checkpoint.lastPathComponent).")
        }
        trainer = try Trainer(resumingFrom: checkpoint, recipe: recipe)
        // The run's provenance stays the command that started it; the last resume is added.
        notes = metadata.notes.merging(["resumed": command]) { _, resumed in resumed }
        Console.note("Resuming \(checkpoint.path) at step \(trainer.step) of \(recipe.steps).")
        for change in recipe.changes(from: stored) { Console.note("Changed on resume: \(change)") }
      }
      let checkpoint = rotation.url(age: 0)
      let recipe = trainer.recipe
      let trainingData = try TrainingData(
        recipe: recipe, startingAt: trainer.step, runDirectory: directory)
      for note in trainingData.notes { Console.note(note) }
      let session = try TrainingSession(
        trainer: trainer, source: trainingData.source, validation: trainingData.validation,
        directory: directory)
      session.notes = notes
      Console.note(
        "Training \(recipe.model.preset.rawValue) (\(trainer.model.parameters.trainableCount) parameters, disparities \(recipe.model.minimumDisparity)…\(recipe.model.maximumDisparity)) on \(trainingData.summary), batch \(recipe.batchSize) at \(recipe.width)x\(recipe.height), \(Parallel.threadCount) threads, \(Backends.current.name)."
      )
      var bar = ProgressBar(total: recipe.steps)
      var lastValidation = ""
      let signals = StopSignals()
      defer { signals.cancel() }
      let outcome = try session.run(stoppingWhen: { signals.receivedSignal != nil }) { event in
        switch event {
        case .step(let step, _, let loss, let rate, let remaining):
          bar.update(
            step,
            String(
              format: "loss %.4f (rec %.4f, smooth %.3f) %.1f img/s ETA %@%@", loss.total,
              loss.reconstruction, loss.smoothness, rate, Console.duration(remaining),
              lastValidation))
        case .validation(_, let loss):
          lastValidation = String(format: " | held-out %.4f", loss.total)
        case .checkpoint:
          break
        }
      }
      if case .stopped(let step) = outcome, let signal = signals.receivedSignal {
        let name = StopSignals.name(of: signal)
        guard step > 0 else {
          throw CLIError("stopped by \(name) before the first step; no checkpoint was written")
        }
        throw CLIError(
          "stopped by \(name) at step \(step) of \(recipe.steps); the checkpoint "
            + "\(checkpoint.path) holds it: continue with --resume")
      }
      print("Trained to step \(trainer.step). Checkpoint: \(checkpoint.path)")
      print(
        "Log: \(directory.appendingPathComponent("log.jsonl").path)  Curve: \(directory.appendingPathComponent("loss.svg").path)"
      )
    }
  }
}

/// A command-line failure with a one-line explanation (ArgumentParser prints it as `Error: …`).
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension WNetPreset: ExpressibleByArgument {}
extension LossConfiguration.OcclusionRule: ExpressibleByArgument {}
extension TrainingDataRecipe.ProxyHoles: ExpressibleByArgument {}
