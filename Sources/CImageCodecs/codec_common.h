// Helpers shared by the PNG, JPEG and TIFF codecs.
#ifndef WNET_CODEC_COMMON_H
#define WNET_CODEC_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/// The largest decoded image accepted, in bytes: guards against absurd sizes in corrupt headers
/// (4 GiB holds a 16-bit RGB image of 715 megapixels).
#define WNET_CODEC_MAX_DECODED_BYTES ((uint64_t)1 << 32)

/// The largest width or height accepted.
#define WNET_CODEC_MAX_DIMENSION 65535

static inline void wnet_set_message(char *message, size_t capacity, const char *format, ...) {
  if (message == NULL || capacity == 0) return;
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(message, capacity, format, arguments);
  va_end(arguments);
}

#endif
