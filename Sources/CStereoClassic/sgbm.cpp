// cv::StereoSGBM behind a C function.
#include <opencv2/calib3d.hpp>

#include "status.hpp"

extern "C" int wnet_sgbm_compute(
  const uint8_t *left, const uint8_t *right, int width, int height, int channels,
  const wnet_sgbm_parameters *parameters, int16_t *disparity, char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (left == nullptr || right == nullptr || parameters == nullptr || disparity == nullptr) {
      return wnet::fail(error, error_capacity, "null argument");
    }
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
      return wnet::fail(error, error_capacity, "images must be non-empty with 1 or 3 channels");
    }
    const int type = channels == 1 ? CV_8UC1 : CV_8UC3;
    // The Mats wrap the caller's memory; OpenCV only reads the inputs.
    const cv::Mat leftImage(height, width, type, const_cast<uint8_t *>(left));
    const cv::Mat rightImage(height, width, type, const_cast<uint8_t *>(right));
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
