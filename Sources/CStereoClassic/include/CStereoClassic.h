// The C interface to OpenCV that WNet uses: semi-global matching, FileStorage calibration
// files, stereo rectification and remapping. The implementation (C++) is the only code in
// WNet that includes an OpenCV header; every function catches cv::Exception (and any other
// C++ exception) and returns a status, writing a one-line message into `error`.
#ifndef WNET_CSTEREOCLASSIC_H
#define WNET_CSTEREOCLASSIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by every function.
enum {
  WNET_CV_OK = 0,
  /// A FileStorage key is absent.
  WNET_CV_MISSING = 1,
  /// OpenCV threw, or an argument was rejected; `error` holds the message.
  WNET_CV_FAILED = 2,
};

/// The parameters of cv::StereoSGBM::create, with the same names and meanings.
typedef struct {
  int min_disparity;
  int num_disparities;
  int block_size;
  int p1;
  int p2;
  int disp12_max_diff;
  int pre_filter_cap;
  int uniqueness_ratio;
  int speckle_window_size;
  int speckle_range;
  /// cv::StereoSGBM::MODE_SGBM (0), MODE_HH (1), MODE_SGBM_3WAY (2), MODE_HH4 (3).
  int mode;
} wnet_sgbm_parameters;

/// Starts OpenCV's thread pool (TBB) with an empty parallel loop over all its threads, so that
/// the first `wnet_sgbm_compute` does not pay for it; safe to call from any thread, and never
/// fails.
void wnet_classic_warm_up(void);

/// cv::StereoSGBM::compute on two images of `height × width × channels` floats in [0, 1]
/// (row-major, channels last; 3 channels in RGB order). They are quantised to 8 bits inside,
/// `saturate(round(255·v))` with OpenCV's vectorised conversion (ties to even; NaN → 0), and
/// colour is reordered to BGR, as cv::imread gives it. Writes `height × width` CV_16S
/// disparities (16 × pixels; invalid = (min_disparity − 1)·16).
int wnet_sgbm_compute(
  const float *left, const float *right, int width, int height, int channels,
  const wnet_sgbm_parameters *parameters, int16_t *disparity, char *error, size_t error_capacity);

/// Opens a cv::FileStorage (YAML, XML or JSON) for reading; `*handle` is released by
/// wnet_file_storage_close.
int wnet_file_storage_open(const char *path, void **handle, char *error, size_t error_capacity);

/// Reads the top-level node `key` as numbers: a matrix (`!!opencv-matrix`), a sequence of
/// numbers (1 × n) or one number (1 × 1). Writes at most `capacity` values row-major and the
/// shape into `rows`, `columns`. Returns WNET_CV_MISSING when the key is absent.
int wnet_file_storage_read_numbers(
  void *handle, const char *key, double *values, int capacity, int *rows, int *columns,
  char *error, size_t error_capacity);

/// Releases a FileStorage opened by wnet_file_storage_open.
void wnet_file_storage_close(void *handle);

/// cv::stereoRectify with flags CALIB_ZERO_DISPARITY and the given `alpha` (−1: OpenCV's
/// default scaling), new image size equal to the input size. Distortion vectors hold 0, 4, 5,
/// 8, 12 or 14 coefficients. Outputs are row-major: R1, R2 3×3, P1, P2 3×4, Q 4×4.
int wnet_stereo_rectify(
  const double *k1, const double *d1, int d1_count, const double *k2, const double *d2,
  int d2_count, const double *r, const double *t, int width, int height, double alpha,
  double *r1, double *r2, double *p1, double *p2, double *q, char *error, size_t error_capacity);

/// cv::initUndistortRectifyMap into CV_32FC1 maps of `height × width` (the source position of
/// each destination pixel). `p` is 3×4 (or 3×3 when `p_columns` is 3).
int wnet_undistort_rectify_map(
  const double *k, const double *d, int d_count, const double *r, const double *p, int p_columns,
  int width, int height, float *map_x, float *map_y, char *error, size_t error_capacity);

/// cv::remap with INTER_LINEAR and BORDER_CONSTANT 0 of a float image of
/// `height × width × channels` (1…4 channels) through `map_height × map_width` CV_32FC1 maps.
int wnet_remap_linear(
  const float *source, int width, int height, int channels, const float *map_x,
  const float *map_y, int map_width, int map_height, float *destination, char *error,
  size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
