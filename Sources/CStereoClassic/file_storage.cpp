// cv::FileStorage reading behind C functions.
#include <opencv2/core.hpp>

#include <string>

#include "status.hpp"

extern "C" int wnet_file_storage_open(
  const char *path, void **handle, char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (path == nullptr || handle == nullptr) {
      return wnet::fail(error, error_capacity, "null argument");
    }
    *handle = nullptr;
    auto *storage = new cv::FileStorage();
    try {
      if (!storage->open(path, cv::FileStorage::READ)) {
        delete storage;
        return wnet::fail(error, error_capacity, "not a readable OpenCV FileStorage file");
      }
    } catch (...) {
      delete storage;
      throw;
    }
    *handle = storage;
    return WNET_CV_OK;
  });
}

extern "C" int wnet_file_storage_read_numbers(
  void *handle, const char *key, double *values, int capacity, int *rows, int *columns,
  char *error, size_t error_capacity)
{
  return wnet::guarded(error, error_capacity, [&]() -> int {
    if (handle == nullptr || key == nullptr || rows == nullptr || columns == nullptr) {
      return wnet::fail(error, error_capacity, "null argument");
    }
    auto &storage = *static_cast<cv::FileStorage *>(handle);
    const cv::FileNode node = storage[key];
    if (node.empty() || node.isNone()) return WNET_CV_MISSING;
    cv::Mat matrix;
    if (node.isInt() || node.isReal()) {
      matrix = cv::Mat(1, 1, CV_64F, cv::Scalar(static_cast<double>(node)));
    } else if (node.isSeq()) {
      matrix = cv::Mat(1, static_cast<int>(node.size()), CV_64F);
      int index = 0;
      for (const auto &item : node) {
        if (!item.isInt() && !item.isReal()) {
          return wnet::fail(error, error_capacity, "a sequence entry is not a number");
        }
        matrix.at<double>(0, index++) = static_cast<double>(item);
      }
    } else if (node.isMap()) {
      node >> matrix;
      if (matrix.empty()) return wnet::fail(error, error_capacity, "not an opencv-matrix");
      if (matrix.channels() != 1) matrix = matrix.reshape(1);
      matrix.convertTo(matrix, CV_64F);
    } else {
      return wnet::fail(error, error_capacity, "not a number, sequence or matrix");
    }
    *rows = matrix.rows;
    *columns = matrix.cols;
    const int count = matrix.rows * matrix.cols;
    if (count > capacity) {
      return wnet::fail(error, error_capacity, "more values than expected");
    }
    if (!matrix.isContinuous()) matrix = matrix.clone();
    const double *data = matrix.ptr<double>();
    for (int index = 0; index < count; index++) values[index] = data[index];
    return WNET_CV_OK;
  });
}

extern "C" void wnet_file_storage_close(void *handle) {
  try {
    delete static_cast<cv::FileStorage *>(handle);
  } catch (...) {
    // Releasing must not throw into Swift; a failed close only leaks.
  }
}
