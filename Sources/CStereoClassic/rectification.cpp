// cv::stereoRectify, cv::initUndistortRectifyMap and cv::remap behind C functions.
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "status.hpp"

namespace {

/// A copy of `count` distortion coefficients as a 1 × count CV_64F row (empty for 0).
cv::Mat distortion(const double *values, int count) {
  if (count == 0 || values == nullptr) return cv::Mat();
  return cv::Mat(1, count, CV_64F, const_cast<double *>(values)).clone();
}

/// Copies a CV_64F matrix row-major into `out`.
void copyOut(const cv::Mat &matrix, double *out) {
  cv::Mat plain;
  matrix.convertTo(plain, CV_64F);
  plain = plain.isContinuous() ? plain : plain.clone();
  const double *data = plain.ptr<double>();
  for (int index = 0; index < plain.rows * plain.cols; index++) out[index] = data[index];
}

}  // namespace

extern "C" int wnet_stereo_rectify(
  const double *k1, const double *d1, int d1_count, const double *k2, const double *d2,
  int d2_count, const double *r, const double *t, int width, int height, double alpha,
  double *r1, double *r2, double *p1, double *p2, double *q, char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    const cv::Mat cameraMatrix1(3, 3, CV_64F, const_cast<double *>(k1));
    const cv::Mat cameraMatrix2(3, 3, CV_64F, const_cast<double *>(k2));
    const cv::Mat rotation(3, 3, CV_64F, const_cast<double *>(r));
    const cv::Mat translation(3, 1, CV_64F, const_cast<double *>(t));
    cv::Mat outR1, outR2, outP1, outP2, outQ;
    cv::stereoRectify(
      cameraMatrix1, distortion(d1, d1_count), cameraMatrix2, distortion(d2, d2_count),
      cv::Size(width, height), rotation, translation, outR1, outR2, outP1, outP2, outQ,
      cv::CALIB_ZERO_DISPARITY, alpha, cv::Size(width, height));
    copyOut(outR1, r1);
    copyOut(outR2, r2);
    copyOut(outP1, p1);
    copyOut(outP2, p2);
    copyOut(outQ, q);
    return WNET_CV_OK;
  });
}

extern "C" int wnet_undistort_rectify_map(
  const double *k, const double *d, int d_count, const double *r, const double *p, int p_columns,
  int width, int height, float *map_x, float *map_y, char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (p_columns != 3 && p_columns != 4) {
      return wnet::fail(error, error_capacity, "the projection must be 3x3 or 3x4");
    }
    const cv::Mat camera(3, 3, CV_64F, const_cast<double *>(k));
    const cv::Mat rotation(3, 3, CV_64F, const_cast<double *>(r));
    const cv::Mat projection(3, p_columns, CV_64F, const_cast<double *>(p));
    cv::Mat mapX(height, width, CV_32FC1, map_x);
    cv::Mat mapY(height, width, CV_32FC1, map_y);
    cv::Mat computedX, computedY;
    cv::initUndistortRectifyMap(
      camera, distortion(d, d_count), rotation, projection, cv::Size(width, height), CV_32FC1,
      computedX, computedY);
    computedX.copyTo(mapX);
    computedY.copyTo(mapY);
    return WNET_CV_OK;
  });
}

extern "C" int wnet_remap_linear(
  const float *source, int width, int height, int channels, const float *map_x,
  const float *map_y, int map_width, int map_height, float *destination, char *error,
  size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (channels < 1 || channels > 4) {
      return wnet::fail(error, error_capacity, "remap takes 1 to 4 channels");
    }
    const int type = CV_MAKETYPE(CV_32F, channels);
    const cv::Mat input(height, width, type, const_cast<float *>(source));
    const cv::Mat mapX(map_height, map_width, CV_32FC1, const_cast<float *>(map_x));
    const cv::Mat mapY(map_height, map_width, CV_32FC1, const_cast<float *>(map_y));
    cv::Mat output(map_height, map_width, type, destination);
    cv::Mat computed;
    cv::remap(input, computed, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar());
    computed.copyTo(output);
    return WNET_CV_OK;
  });
}
