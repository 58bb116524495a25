internal import CStereoKernels
import StereoTensor

/// The C kernels of StereoDepth's per-pixel steps (`CStereoKernels`: AVX2 + FMA through function
/// attributes, eight pixels per vector): Swift's own vectors compile to 4-lane SSE on baseline
/// x86-64. Each has a Swift path with the same operations per value, which runs where the CPU
/// lacks AVX2 and is its test oracle (bit for bit).
enum VectorKernels {
  /// Whether this CPU runs them (AVX2 and FMA).
  static let available = wnet_narrow_conv3x3_available() != 0
}
