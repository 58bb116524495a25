// Intentionally empty. This system-library target exists only so that SwiftPM runs
// `pkg-config opencv4` and hands its include path (-I/usr/include/opencv4) to CStereoClassic,
// the one target that includes OpenCV headers. Swift code never imports COpenCV.
