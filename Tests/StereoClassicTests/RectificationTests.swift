import Foundation
import StereoClassic
import StereoData
import Testing
import _StereoTestSupport

/// Makes a synthetic unrectified rig with cv2 and renders its raw views.
///
/// `make DIR`: writes DIR/rig.yml (cv2.FileStorage: K1 D1 K2 D2 R T image_width image_height),
/// DIR/maps.raw (cv2.stereoRectify + cv2.initUndistortRectifyMap, float32 left x, left y,
/// right x, right y) and the raw views DIR/raw-left.png, DIR/raw-right.png of a fronto-parallel
/// plane at Z = 2 (left frame) covered with Gaussian dots 0.3 apart (σ = 0.025, about 4 px),
/// rendered by casting each raw pixel's ray (cv2.undistortPointsIter) onto the plane.
/// `measure LEFT RIGHT`: finds the dots' intensity-weighted centroids in both views, pairs each
/// left dot with the right dot 5-30 px to its left on about the same row, and prints the count
/// and the largest and mean |y_left − y_right|. Dots within 3 px of the black border that
/// rectification leaves (or of the image edge) are skipped: they are cut, so their centroids move.
private let rigScript = """
  import cv2, sys, numpy as np
  W, H = 320, 240
  if sys.argv[1] == "make":
      out = sys.argv[2]
      K1 = np.array([[300., 0, 165], [0, 305, 118], [0, 0, 1]])
      K2 = np.array([[310., 0, 158], [0, 308, 124], [0, 0, 1]])
      D1 = np.array([[-0.12, 0.05, 0.001, -0.002, 0.0]])
      D2 = np.array([[-0.08, 0.02, -0.001, 0.001, 0.0]])
      R, _ = cv2.Rodrigues(np.array([0.035, -0.02, 0.01]))
      T = np.array([[-0.1], [0.004], [0.002]])
      fs = cv2.FileStorage(out + "/rig.yml", cv2.FILE_STORAGE_WRITE)
      for k, v in [("K1", K1), ("D1", D1), ("K2", K2), ("D2", D2), ("R", R), ("T", T)]:
          fs.write(k, v)
      fs.write("image_width", W); fs.write("image_height", H); fs.release()
      R1, R2, P1, P2, Q, _, _ = cv2.stereoRectify(K1, D1, K2, D2, (W, H), R, T)
      maps = []
      for K, D, Ri, Pi in [(K1, D1, R1, P1), (K2, D2, R2, P2)]:
          mx, my = cv2.initUndistortRectifyMap(K, D, Ri, Pi, (W, H), cv2.CV_32FC1)
          maps += [mx, my]
      np.concatenate([m.ravel() for m in maps]).astype("<f4").tofile(out + "/maps.raw")
      u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
      pixels = np.stack([u.ravel(), v.ravel()], 1).reshape(-1, 1, 2)
      Z0, spacing, sigma = 2.0, 0.3, 0.025
      for name, K, D, right in [("left", K1, D1, False), ("right", K2, D2, True)]:
          # Iterated to convergence: the default 5 iterations leave ~0.1 px in the corners.
          n = cv2.undistortPointsIter(
              pixels, K, D, None, None,
              (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-14)).reshape(-1, 2)
          ray = np.concatenate([n, np.ones((n.shape[0], 1))], 1)
          if right:
              direction, origin = ray @ R, (-R.T @ T).ravel()
          else:
              direction, origin = ray, np.zeros(3)
          s = (Z0 - origin[2]) / direction[:, 2]
          X = origin[0] + s * direction[:, 0]
          Y = origin[1] + s * direction[:, 1]
          dx = X - np.round(X / spacing) * spacing
          dy = Y - np.round(Y / spacing) * spacing
          value = 0.1 + 0.8 * np.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
          image = np.clip(np.round(value * 255), 0, 255).astype(np.uint8).reshape(H, W)
          cv2.imwrite(out + "/raw-" + name + ".png", cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
  else:
      def dots(path):
          g = cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.float64)
          count, labels, stats, _ = cv2.connectedComponentsWithStats((g > 90).astype(np.uint8))
          found = []
          for i in range(1, count):
              x, y, w, h, area = stats[i]
              if area < 20 or x < 3 or y < 3 or x + w + 3 >= W or y + h + 3 >= H:
                  continue
              if g[y - 3:y + h + 3, x - 3:x + w + 3].min() < 20:  # cut by the black border
                  continue
              weight = np.where(labels == i, g - 25.5, 0)
              ys, xs = np.nonzero(weight)
              wsum = weight[ys, xs].sum()
              found.append(((weight[ys, xs] * xs).sum() / wsum, (weight[ys, xs] * ys).sum() / wsum))
          return found
      left, right = dots(sys.argv[2]), dots(sys.argv[3])
      errors = []
      for xl, yl in left:
          matches = [(xr, yr) for xr, yr in right if 5 <= xl - xr <= 30 and abs(yl - yr) < 4]
          if len(matches) == 1:
              errors.append(abs(yl - matches[0][1]))
      print(len(errors), max(errors) if errors else -1, np.mean(errors) if errors else -1)
  """

@Suite("Rectification")
struct RectificationTests {
  @Test(
    "Maps equal cv2's within 0.01 px; rectified dots share rows within 0.1 px",
    .enabled(if: OpenCVPython.isAvailable, OpenCVPython.skipNote))
  func matchesOpenCVAndAlignsRows() throws {
    let folder = try TemporaryFolder()
    _ = try OpenCVPython.runScript(rigScript, arguments: ["make", folder.url.path])
    let calibration = try StereoRigCalibration.read(folder.file("rig.yml"))
    #expect(calibration.needsRectification)
    #expect(calibration.imageWidth == 320 && calibration.imageHeight == 240)
    // B = |T| after rectification (ZERO_DISPARITY keeps the scale):
    // sqrt(0.1² + 0.004² + 0.002²) = 0.10010.
    #expect(abs(calibration.baseline - 0.100_1) < 1e-4, "baseline \(calibration.baseline)")
    #expect(calibration.disparityOffset == 0)
    let maps = try RectificationMaps(calibration: calibration, width: 320, height: 240)
    let expected = OpenCVPython.floats(try Data(contentsOf: folder.file("maps.raw")))
    let ours = maps.leftX + maps.leftY + maps.rightX + maps.rightY
    try #require(expected.count == ours.count)
    let largest = zip(ours, expected).map { abs($0 - $1) }.max() ?? .infinity
    #expect(largest < 0.01, "largest map difference \(largest) px")

    // Rectify the rendered raw views, then measure rows with cv2.
    let rawLeft = try ImageIO.readColor(folder.file("raw-left.png"))
    let rawRight = try ImageIO.readColor(folder.file("raw-right.png"))
    let (left, right) = try maps.rectify(left: rawLeft, right: rawRight)
    try ImageIO.writePNG(left, to: folder.file("rect-left.png"))
    try ImageIO.writePNG(right, to: folder.file("rect-right.png"))
    func measure(_ left: String, _ right: String) throws -> [Double] {
      let text = String(
        decoding: try OpenCVPython.runScript(
          rigScript, arguments: ["measure", folder.file(left).path, folder.file(right).path]),
        as: UTF8.self)
      return text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
    }
    let rectified = try measure("rect-left.png", "rect-right.png")
    try #require(rectified.count == 3)
    #expect(rectified[0] >= 20, "only \(rectified[0]) dots matched")
    #expect(
      rectified[1] < 0.1, "vertical disparity up to \(rectified[1]) px (mean \(rectified[2]))")
    // The control: before rectification the rows differ by pixels.
    let raw = try measure("raw-left.png", "raw-right.png")
    #expect(raw.count == 3 && (raw[0] == 0 || raw[2] > 1), "raw vertical disparity \(raw)")
    // Centroids of 8-bit dots are good to a few hundredths of a pixel: the same measurement on
    // cv2.remap's own output gave 30 dots, largest 0.090 px, mean 0.027 px.
  }
}
