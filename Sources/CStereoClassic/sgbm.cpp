// cv::StereoSGBM behind a C function.
#include <algorithm>

#include <opencv2/calib3d.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "status.hpp"

extern "C" void wnet_classic_warm_up(void)
{
  try {
    const int threads = std::max(cv::getNumThreads(), 1);
    cv::parallel_for_(cv::Range(0, threads), [](const cv::Range &) {});
  } catch (...) {
    // A pool that cannot start will fail, with its message, in the real call.
  }
}

extern "C" int wnet_sgbm_compute(
  const float *left, const float *right, int width, int height, int channels,
  const wnet_sgbm_parameters *parameters, int16_t *disparity, char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (left == nullptr || right == nullptr || parameters == nullptr || disparity == nullptr) {
      return wnet::fail(error, error_capacity, "null argument");
    }
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
      return wnet::fail(error, error_capacity, "images must be non-empty with 1 or 3 channels");
    }
    // Issue 12: quantising here, with OpenCV's SIMD conversion, instead of a per-byte loop in
    // Swift saved about 5 ms of the ~50 ms call at 640x480.
    const int type = channels == 1 ? CV_32FC1 : CV_32FC3;
    auto bytes = [&](const float *values) {
      // The Mat wraps the caller's memory; OpenCV only reads it.
      const cv::Mat floats(height, width, type, const_cast<float *>(values));
      cv::Mat quantised;
      floats.convertTo(quantised, CV_8U, 255.0);
      if (channels == 3) cv::cvtColor(quantised, quantised, cv::COLOR_RGB2BGR);
      return quantised;
    };
    const cv::Mat leftImage = bytes(left);
    const cv::Mat rightImage = bytes(right);
    cv::Mat output(height, width, CV_16S, disparity);
    const wnet_sgbm_parameters &p = *parameters;
    cv::Ptr<cv::StereoSGBM> matcher = cv::StereoSGBM::create(
      p.min_disparity, p.num_disparities, p.block_size, p.p1, p.p2, p.disp12_max_diff,
      p.pre_filter_cap, p.uniqueness_ratio, p.speckle_window_size, p.speckle_range, p.mode);
    cv::Mat computed;
    matcher->compute(leftImage, rightImage, computed);
    if (computed.type() != CV_16S || computed.rows != height || computed.cols != width) {
      return wnet::fail(error, error_capacity, "StereoSGBM returned an unexpected matrix");
    }
    computed.copyTo(output);
    return WNET_CV_OK;
  });
}
