import Foundation

/// Walks a dataset folder and recognises each layout by its marker files.
///
/// A folder is searched in this order, and the first match ends the search below it: KITTI
/// (`image_2` + `image_3` or `colored_0` + `colored_1`), Middlebury 2014/ETH3D (`im0.png` +
/// `im1.png`), Middlebury 2001-2003 (`imL.png` + `imR.png`), folder pairs (`left/` + `right/`, or
/// `left.png` + `right.png`, with `disparity.pfm`, `disparity.png` (KITTI) or `disp0GT.png`
/// (value = disparity) as ground truth). Otherwise its videos are added and its subfolders
/// searched, down to ``StereoDatasetConfiguration/searchDepth`` levels.
struct DatasetScanner {
  let configuration: StereoDatasetConfiguration
  let root: URL
  private(set) var samples: [StereoSampleFiles] = []
  private(set) var videos: [StereoVideoSource] = []
  private(set) var formats: Set<StereoDatasetFormat> = []

  /// File name extensions recognised as video.
  static let videoExtensions: Set<String> = [
    "mkv", "mp4", "m4v", "mov", "avi", "webm", "ts", "mts", "m2ts", "mpg", "mpeg", "wmv", "flv",
  ]
  /// File name extensions of views in the folder layout, in order of preference when a scene
  /// folder holds `left.*` in more than one.
  static let viewExtensions = ["png", "jpg", "jpeg", "ppm", "pgm", "tif", "tiff"]

  init(configuration: StereoDatasetConfiguration) {
    self.configuration = configuration
    self.root = URL(fileURLWithPath: configuration.path).standardizedFileURL
  }

  private var format: StereoDatasetFormat { configuration.format }

  private func accepts(_ candidate: StereoDatasetFormat) -> Bool {
    format == .automatic || format == candidate
  }

  mutating func scan() throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
      throw StereoDataError(.unreadable, root, "no such file or folder")
    }
    if isFolder.boolValue {
      try visit(root, relative: "", depth: 0)
    } else {
      guard accepts(.video) else {
        throw StereoDataError(
          .unreadable, root, "is a file, but the \(format.rawValue) layout is a folder")
      }
      guard format == .video || Self.isVideo(root) else {
        throw StereoDataError(
          .unsupported, root,
          "is neither a dataset folder nor a video file (.\(Self.videoExtensions.sorted().joined(separator: ", .")))"
        )
      }
      try addVideo(root, source: root.lastPathComponent)
    }
    if samples.isEmpty && videos.isEmpty {
      let looked =
        format == .automatic
        ? "left/ + right/, <scene>/left.png + right.png, im0.png + im1.png, imL.png + imR.png, "
          + "KITTI image_2 + image_3, or videos"
        : "the \(format.rawValue) layout"
      throw StereoDataError(.empty, root, "no stereo pairs found (looked for \(looked))")
    }
  }

  static func isVideo(_ url: URL) -> Bool {
    videoExtensions.contains(url.pathExtension.lowercased())
  }

  private func sourceName(_ relative: String) -> String {
    relative.isEmpty ? root.lastPathComponent : relative
  }

  private static func join(_ relative: String, _ name: String) -> String {
    relative.isEmpty ? name : relative + "/" + name
  }

  /// The non-hidden entries of `folder`, sorted, split into files and folders.
  private func listing(_ folder: URL) throws -> (
    files: Set<String>, sortedFiles: [String], folders: [String]
  ) {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
        !$0.hasPrefix(".")
      }.sorted()
    } catch {
      throw StereoDataError(
        .unreadable, folder, "cannot list the folder (\(error.localizedDescription))")
    }
    var files: [String] = []
    var folders: [String] = []
    for name in names {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(
        atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
      {
        if isFolder.boolValue { folders.append(name) } else { files.append(name) }
      }
    }
    return (Set(files), files, folders)
  }

  /// A pair marker (`im0.png` + `im1.png`) with one of its two views missing or a folder would
  /// drop the pair without a word: it is an error.
  static func checkPartners(
    _ first: String, _ second: String, in folder: URL, files: Set<String>, folders: Set<String>
  ) throws {
    let present = [first, second].filter { files.contains($0) || folders.contains($0) }
    guard !present.isEmpty else { return }
    for name in [first, second] where folders.contains(name) {
      throw StereoDataError(
        .corrupt, folder.appendingPathComponent(name), "is a folder, not an image")
    }
    for (name, partner) in [(first, second), (second, first)]
    where files.contains(name) && !files.contains(partner) {
      throw StereoDataError(
        .mismatch, folder.appendingPathComponent(name), "has no partner (\(partner) is missing)")
    }
  }

  private mutating func visit(_ folder: URL, relative: String, depth: Int) throws {
    let entries = try listing(folder)
    let folders = Set(entries.folders)
    if accepts(.kitti) {
      for (leftName, rightName, occluded, nonOccluded) in [
        ("image_2", "image_3", "disp_occ_0", "disp_noc_0"),
        ("colored_0", "colored_1", "disp_occ", "disp_noc"),
      ] where folders.contains(leftName) && folders.contains(rightName) {
        try addKITTI(
          folder, relative: relative, views: (leftName, rightName),
          groundTruth: (occluded, nonOccluded))
        return
      }
    }
    for (first, second, format) in [
      ("im0.png", "im1.png", StereoDatasetFormat.middlebury),
      ("imL.png", "imR.png", StereoDatasetFormat.middlebury2001),
    ] where accepts(format) {
      try Self.checkPartners(first, second, in: folder, files: entries.files, folders: folders)
    }
    if accepts(.middlebury) && entries.files.contains("im0.png")
      && entries.files.contains("im1.png")
    {
      try addMiddlebury(folder, relative: relative, files: entries.files)
      return
    }
    if accepts(.middlebury2001) && entries.files.contains("imL.png")
      && entries.files.contains("imR.png")
    {
      try addMiddlebury2001(folder, relative: relative, files: entries.files)
      return
    }
    if accepts(.folder) {
      if folders.contains("left") && folders.contains("right") {
        try addLeftRightFolders(
          folder, relative: relative, hasDisparity: folders.contains("disparity"))
        return
      }
      let leftName = Self.viewExtensions.map { "left." + $0 }.first { entries.files.contains($0) }
      let rightName = Self.viewExtensions.map { "right." + $0 }.first { entries.files.contains($0) }
      if let leftName, let rightName {
        addScene(folder, relative: relative, left: leftName, right: rightName, files: entries.files)
        return
      }
      if let name = leftName ?? rightName {
        throw StereoDataError(
          .mismatch, folder.appendingPathComponent(name),
          "has no partner (\(name.hasPrefix("left") ? "right" : "left").png or .jpg is missing)")
      }
    }
    if accepts(.video) {
      // In folders, only files named like videos; a video named on its own may have any name.
      for name in entries.sortedFiles where Self.isVideo(URL(fileURLWithPath: name)) {
        try addVideo(folder.appendingPathComponent(name), source: Self.join(relative, name))
      }
    }
    guard depth < configuration.searchDepth else { return }
    for name in entries.folders {
      try visit(
        folder.appendingPathComponent(name), relative: Self.join(relative, name), depth: depth + 1)
    }
  }

  // MARK: - Folder layout

  /// A folder scene's ground truth stored as Middlebury 2005/2006 full-size maps are, and as
  /// `scripts/fetch-samples.sh` unpacks Aloe from Debian's `opencv-doc` (`aloeGT.png`): an 8- or
  /// 16-bit grey PNG whose value is the disparity in pixels, 0 = unknown.
  static let plainDisparityName = "disp0GT.png"

  private mutating func addScene(
    _ folder: URL, relative: String, left: String, right: String, files: Set<String>
  ) {
    formats.insert(.folder)
    var disparity: StereoSampleFiles.DisparityFile?
    if files.contains("disparity.pfm") {
      disparity = .init(url: folder.appendingPathComponent("disparity.pfm"), encoding: .pfm)
    } else if files.contains("disparity.png") {
      disparity = .init(url: folder.appendingPathComponent("disparity.png"), encoding: .kitti)
    } else if files.contains(Self.plainDisparityName) {
      disparity = .init(
        url: folder.appendingPathComponent(Self.plainDisparityName), encoding: .scaledPNG(scale: 1))
    }
    let source = sourceName(relative)
    samples.append(
      StereoSampleFiles(
        identifier: source, source: source, left: folder.appendingPathComponent(left),
        right: folder.appendingPathComponent(right), disparity: disparity))
  }

  private mutating func addLeftRightFolders(_ folder: URL, relative: String, hasDisparity: Bool)
    throws
  {
    formats.insert(.folder)
    let leftFolder = folder.appendingPathComponent("left")
    let rightFolder = folder.appendingPathComponent("right")
    let isView = { (name: String) in
      Self.viewExtensions.contains((name as NSString).pathExtension.lowercased())
    }
    let leftNames = try listing(leftFolder).sortedFiles.filter(isView)
    let rightNames = try listing(rightFolder).sortedFiles.filter(isView)
    guard !leftNames.isEmpty else {
      throw StereoDataError(.empty, leftFolder, "holds no PNG or JPEG images")
    }
    let rightSet = Set(rightNames)
    if let unmatched = leftNames.first(where: { !rightSet.contains($0) }) {
      throw StereoDataError(
        .mismatch, rightFolder.appendingPathComponent(unmatched),
        "is missing (the right view of left/\(unmatched))")
    }
    if let unmatched = Set(rightNames).subtracting(leftNames).sorted().first {
      throw StereoDataError(
        .mismatch, leftFolder.appendingPathComponent(unmatched),
        "is missing (the left view of right/\(unmatched))")
    }
    let disparityNames =
      hasDisparity ? try listing(folder.appendingPathComponent("disparity")).files : []
    let source = sourceName(relative)
    for name in leftNames {
      let stem = (name as NSString).deletingPathExtension
      var disparity: StereoSampleFiles.DisparityFile?
      if disparityNames.contains(stem + ".pfm") {
        disparity = .init(
          url: folder.appendingPathComponent("disparity/\(stem).pfm"), encoding: .pfm)
      } else if disparityNames.contains(stem + ".png") {
        disparity = .init(
          url: folder.appendingPathComponent("disparity/\(stem).png"), encoding: .kitti)
      }
      samples.append(
        StereoSampleFiles(
          identifier: source + "/" + stem, source: source,
          left: leftFolder.appendingPathComponent(name),
          right: rightFolder.appendingPathComponent(name),
          disparity: disparity))
    }
  }

  // MARK: - KITTI

  private mutating func addKITTI(
    _ folder: URL, relative: String, views: (left: String, right: String),
    groundTruth: (occluded: String, nonOccluded: String)
  ) throws {
    formats.insert(.kitti)
    let leftFolder = folder.appendingPathComponent(views.left)
    let rightFolder = folder.appendingPathComponent(views.right)
    let leftNames = try listing(leftFolder).sortedFiles.filter { $0.lowercased().hasSuffix(".png") }
    let rightNames = try listing(rightFolder).files
    guard !leftNames.isEmpty else {
      throw StereoDataError(.empty, leftFolder, "holds no PNG images")
    }
    let occluded = (try? listing(folder.appendingPathComponent(groundTruth.occluded)).files) ?? []
    let nonOccluded =
      (try? listing(folder.appendingPathComponent(groundTruth.nonOccluded)).files) ?? []
    var calibrations: [String: StereoCalibration?] = [:]
    for name in leftNames {
      guard rightNames.contains(name) else {
        throw StereoDataError(
          .mismatch, rightFolder.appendingPathComponent(name),
          "is missing (the right view of \(views.left)/\(name))")
      }
      let stem = (name as NSString).deletingPathExtension
      // 000123_10 and 000123_11 are two times of one sequence: one source.
      let sequence = stem.split(separator: "_").first.map(String.init) ?? stem
      if calibrations[sequence] == nil {
        calibrations[sequence] = try kittiCalibration(folder, sequence: sequence, stem: stem)
      }
      var sample = StereoSampleFiles(
        identifier: Self.join(relative, stem), source: Self.join(relative, sequence),
        left: leftFolder.appendingPathComponent(name),
        right: rightFolder.appendingPathComponent(name),
        calibration: calibrations[sequence] ?? nil)
      if occluded.contains(name) {
        sample.disparity = .init(
          url: folder.appendingPathComponent("\(groundTruth.occluded)/\(name)"), encoding: .kitti)
      }
      if nonOccluded.contains(name) {
        sample.nonOccludedMask = .knownDisparity(
          folder.appendingPathComponent("\(groundTruth.nonOccluded)/\(name)"), .kitti)
      }
      samples.append(sample)
    }
  }

  private func kittiCalibration(_ folder: URL, sequence: String, stem: String) throws
    -> StereoCalibration?
  {
    for candidate in [
      "calib_cam_to_cam/\(sequence).txt", "calib/\(sequence).txt", "calib/\(stem).txt",
    ] {
      let url = folder.appendingPathComponent(candidate)
      if FileManager.default.fileExists(atPath: url.path) {
        return try StereoCalibration.readKITTI(url)
      }
    }
    return nil
  }

  // MARK: - Middlebury

  /// Middlebury 2014 stores a scene as `Scene-perfect` and `Scene-imperfect`, and MiddEval3 at
  /// three resolutions (`trainingQ/Scene`, `trainingH/Scene`, …): all are one source.
  private static func middleburySource(_ source: String) -> String {
    var components = source.split(separator: "/").map(String.init)
    components.removeAll {
      $0.range(of: #"^(training|test)[QHF]$"#, options: .regularExpression) != nil
    }
    if var last = components.popLast() {
      for suffix in ["-perfect", "-imperfect"] where last.hasSuffix(suffix) {
        last.removeLast(suffix.count)
      }
      components.append(last)
    }
    return components.isEmpty ? source : components.joined(separator: "/")
  }

  private mutating func addMiddlebury(_ folder: URL, relative: String, files: Set<String>) throws {
    formats.insert(.middlebury)
    let identifier = sourceName(relative)
    var sample = StereoSampleFiles(
      identifier: identifier, source: Self.middleburySource(identifier),
      left: folder.appendingPathComponent("im0.png"),
      right: folder.appendingPathComponent("im1.png"))
    if let name = ["disp0GT.pfm", "disp0.pfm"].first(where: files.contains) {
      sample.disparity = .init(url: folder.appendingPathComponent(name), encoding: .pfm)
    }
    if files.contains("mask0nocc.png") {
      sample.nonOccludedMask = .image(folder.appendingPathComponent("mask0nocc.png"))
    }
    if files.contains("calib.txt") {
      let calib = folder.appendingPathComponent("calib.txt")
      sample.calibration = try StereoCalibration.readMiddlebury(calib)
      sample.maximumDisparity = try StereoCalibration.readMiddleburyDisparityBound(calib)
    }
    samples.append(sample)
  }

  private mutating func addMiddlebury2001(_ folder: URL, relative: String, files: Set<String>)
    throws
  {
    formats.insert(.middlebury2001)
    let source = sourceName(relative)
    var sample = StereoSampleFiles(
      identifier: source, source: source, left: folder.appendingPathComponent("imL.png"),
      right: folder.appendingPathComponent("imR.png"))
    if files.contains("groundtruth.png") {
      let info = folder.appendingPathComponent("info.txt")
      guard files.contains("info.txt") else {
        throw StereoDataError(
          .unreadable, info, "no such file (it holds the scale of groundtruth.png)")
      }
      let text = String(decoding: try FileContents.read(info), as: UTF8.self)
      let lines = text.split(whereSeparator: \.isNewline).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard let line = lines.first, let scale = Float(line), scale > 0 else {
        throw StereoDataError(.corrupt, info, "the first line must be the positive disparity scale")
      }
      // The second line, where present, is the largest disparity.
      sample.maximumDisparity = lines.dropFirst().first.flatMap(Float.init).flatMap {
        $0 > 0 ? $0 : nil
      }
      sample.disparity = .init(
        url: folder.appendingPathComponent("groundtruth.png"), encoding: .scaledPNG(scale: scale))
    }
    if files.contains("nonocc.png") {
      sample.nonOccludedMask = .image(folder.appendingPathComponent("nonocc.png"))
    }
    if files.contains("all.png") {
      sample.evaluationMask = .image(folder.appendingPathComponent("all.png"))
    }
    if files.contains("disc.png") {
      sample.discontinuityMask = .image(folder.appendingPathComponent("disc.png"))
    }
    samples.append(sample)
  }

  // MARK: - Video

  private mutating func addVideo(_ url: URL, source: String) throws {
    guard let layout = configuration.videoLayout else {
      throw StereoDataError(
        .invalidRequest, url,
        "a 3D video needs a layout (\(StereoVideoLayout.allCases.map(\.rawValue).joined(separator: ", ")))"
      )
    }
    formats.insert(.video)
    let info = try VideoInfo.probe(url)
    try layout.validate(frameWidth: info.width, frameHeight: info.height, of: url)
    let rate = configuration.framesPerSecond
    try VideoFrameReader.validate(framesPerSecond: rate, for: info, of: url)
    guard let segment = configuration.segmentDuration, let total = info.duration, total > segment
    else {
      videos.append(
        StereoVideoSource(
          url: url, layout: layout, framesPerSecond: rate, info: info, source: source))
      return
    }
    let count = Int((total / segment).rounded(.up))
    for k in 0..<count {
      videos.append(
        StereoVideoSource(
          url: url, layout: layout, framesPerSecond: rate, start: Double(k) * segment,
          duration: segment, info: info, source: "\(source)#\(k)"))
    }
  }
}
