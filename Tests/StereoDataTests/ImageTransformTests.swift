import Testing

@testable import StereoData

@Suite("Image operations") struct ImageTransformTests {
  private func row(_ values: [Float]) -> Image {
    Image(width: values.count, height: 1, channels: 1, pixels: values)
  }

  @Test("Bilinear resizing uses half-pixel centres")
  func bilinear() {
    // Doubling [0, 1]: output centres 0.25 and 0.75 of the first pixel map to -0.25 and 0.25.
    #expect(row([0, 1]).resized(width: 4, height: 1).pixels == [0, 0.25, 0.75, 1])
    // Halving averages pairs exactly.
    #expect(row([0, 1, 2, 3]).resized(width: 2, height: 1).pixels == [0.5, 2.5])
    // Same size is the identity.
    let image = TestImages.pattern(width: 7, height: 5)
    #expect(image.resized(width: 7, height: 5) == image)
    // Antialiased shrinking by 4 averages blocks of 4.
    #expect(
      row([0, 1, 2, 3, 4, 5, 6, 7]).resized(width: 2, height: 1, antialiased: true).pixels == [
        1.5, 5.5,
      ])
  }

  @Test("Disparity resizing: nearest, values scaled by the width ratio, unknown stays unknown")
  func disparity() {
    let map = row([1, .infinity, 3, 4])
    // Halving takes input pixels 1 and 3, the nearest to output centres 1.0 and 3.0 (ties go up).
    #expect(map.resizedDisparity(width: 2, height: 1).pixels == [.infinity, 2])
    #expect(
      map.resizedDisparity(width: 8, height: 1).pixels == [2, 2, .infinity, .infinity, 6, 6, 8, 8])
  }

  @Test("Crop and flip")
  func cropAndFlip() {
    let image = TestImages.pattern(width: 6, height: 4)
    let crop = image.cropped(x: 2, y: 1, width: 3, height: 2)
    #expect(crop[0, 0, 1] == image[1, 2, 1] && crop[1, 2, 2] == image[2, 4, 2])
    let flipped = image.flippedHorizontally()
    #expect(flipped[3, 0, 0] == image[3, 5, 0])
    #expect(flipped.flippedHorizontally() == image)
  }
}
