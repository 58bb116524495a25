import StereoTensor
import Testing

/// Programmer errors stop the process with a precondition failure instead of computing garbage.
///
/// These are exit tests (Swift Testing 6.2+): each body runs in a child process, which must
/// exit with a failure.
@Suite("Bad shapes stop with a precondition failure")
struct ShapeCheckTests {
  @Test("A convolution whose filter expects other input channels")
  func convolutionChannels() async {
    await #expect(processExitsWith: .failure) {
      let input = Tensor.zeros([1, 4, 4, 3])
      let filter = Tensor.zeros([2, 3, 3, 5])
      _ = input.convolved2D(with: filter, geometry: ConvolutionGeometry(padding: 1))
    }
  }

  @Test("A convolution called on the oneDNN backend directly with mismatched channels")
  func backendConvolutionChannels() async {
    await #expect(processExitsWith: .failure) {
      let backend = try DNNLBackend.shared()
      _ = backend.convolution2D(
        Tensor.zeros([1, 4, 4, 3]), filter: Tensor.zeros([2, 3, 3, 4]), bias: nil,
        geometry: ConvolutionGeometry())
    }
  }

  @Test("A grouped convolution whose channels do not divide into the groups")
  func groups() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.zeros([1, 4, 4, 6]).convolved2D(
        with: Tensor.zeros([4, 3, 3, 2]), geometry: ConvolutionGeometry(groups: 4))
    }
  }

  @Test("Element-wise operands that do not broadcast")
  func broadcasting() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.zeros([2, 3, 4, 5]) + Tensor.zeros([4])
    }
  }

  @Test("A transposed convolution whose filter expects other input channels")
  func transposedChannels() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.zeros([1, 3, 3, 4]).transposedConvolved2D(
        with: Tensor.zeros([2, 2, 2, 3]), stride: 2)
    }
  }
}
