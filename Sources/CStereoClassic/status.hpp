// Turns C++ exceptions into the status codes of CStereoClassic.h.
#ifndef WNET_CSTEREOCLASSIC_STATUS_HPP
#define WNET_CSTEREOCLASSIC_STATUS_HPP

#include <opencv2/core.hpp>

#include <cstdio>
#include <exception>

#include "CStereoClassic.h"

namespace wnet {

/// Writes `message` into `error` (truncated to `capacity`, always terminated) and returns
/// WNET_CV_FAILED.
inline int fail(char *error, size_t capacity, const char *message) {
  if (error != nullptr && capacity > 0) std::snprintf(error, capacity, "%s", message);
  return WNET_CV_FAILED;
}

/// Runs `body` (which returns a status), catching every exception: OpenCV's `cv::Exception`
/// gives its one-line `err` text (the failed condition) and the function that raised it.
template <typename Body>
int guarded(char *error, size_t capacity, Body body) {
  try {
    return body();
  } catch (const cv::Exception &exception) {
    char message[1024];
    std::snprintf(
      message, sizeof message, "OpenCV error in %s: %s", exception.func.c_str(),
      exception.err.c_str());
    return fail(error, capacity, message);
  } catch (const std::exception &exception) {
    return fail(error, capacity, exception.what());
  } catch (...) {
    return fail(error, capacity, "unknown C++ exception");
  }
}

}  // namespace wnet

#endif
