// TIFF decoding with libtiff, from memory. libtiff reports problems through handlers, which by
// default print to stderr: the ones installed here for each file (TIFFOpenOptions) copy the first
// error into the caller's message and print nothing, and warnings are ignored. The process-wide
// handlers are silenced once too, for the few messages libtiff issues without a file.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "CImageCodecs.h"
#include "codec_common.h"

/// The name libtiff gives the file in its messages.
#define TIFF_NAME "TIFF"

/// The file in memory and where errors go.
typedef struct {
  const uint8_t *data;
  size_t size;
  size_t offset;
  char *message;
  size_t capacity;
  int has_message;
} tiff_source;

// Keeps the first error: later ones tend to be consequences ("cannot read strip 3").
static int tiff_error(TIFF *tiff, void *user_data, const char *module, const char *format,
                      va_list arguments) {
  (void)tiff;
  (void)module;
  tiff_source *source = (tiff_source *)user_data;
  if (!source->has_message && source->message != NULL && source->capacity > 0) {
    vsnprintf(source->message, source->capacity, format, arguments);
    source->has_message = 1;
    // Many messages start with the name given to TIFFClientOpenExt: drop it.
    size_t prefix = strlen(TIFF_NAME ": ");
    if (strncmp(source->message, TIFF_NAME ": ", prefix) == 0) {
      memmove(source->message, source->message + prefix, strlen(source->message + prefix) + 1);
    }
  }
  return 1;  // handled: libtiff calls no process-wide handler
}

// Warnings (unknown tags, odd but readable fields) leave the pixels intact: ignore them.
static int tiff_warning(TIFF *tiff, void *user_data, const char *module, const char *format,
                        va_list arguments) {
  (void)tiff;
  (void)user_data;
  (void)module;
  (void)format;
  (void)arguments;
  return 1;
}

static pthread_once_t tiff_global_handlers_once = PTHREAD_ONCE_INIT;

static void tiff_silence_global_handlers(void) {
  TIFFSetErrorHandler(NULL);
  TIFFSetWarningHandler(NULL);
}

static tmsize_t tiff_read(thandle_t handle, void *buffer, tmsize_t count) {
  tiff_source *source = (tiff_source *)handle;
  if (count <= 0 || source->offset >= source->size) return 0;
  size_t available = source->size - source->offset;
  size_t n = (size_t)count < available ? (size_t)count : available;
  memcpy(buffer, source->data + source->offset, n);
  source->offset += n;
  return (tmsize_t)n;
}

static tmsize_t tiff_write(thandle_t handle, void *buffer, tmsize_t count) {
  (void)handle;
  (void)buffer;
  (void)count;
  return -1;  // read-only
}

static toff_t tiff_seek(thandle_t handle, toff_t offset, int whence) {
  tiff_source *source = (tiff_source *)handle;
  uint64_t base = whence == SEEK_CUR ? source->offset : whence == SEEK_END ? source->size : 0;
  if (offset > UINT64_MAX - base) return (toff_t)-1;
  // Beyond the end is allowed, as for a file: the next read returns 0 bytes.
  uint64_t position = base + offset;
  if (position > SIZE_MAX) return (toff_t)-1;
  source->offset = (size_t)position;
  return position;
}

static int tiff_close(thandle_t handle) {
  (void)handle;
  return 0;
}

static toff_t tiff_size(thandle_t handle) { return ((tiff_source *)handle)->size; }

static int tiff_map(thandle_t handle, void **base, toff_t *size) {
  (void)handle;
  (void)base;
  (void)size;
  return 0;  // not mapped: libtiff reads through tiff_read
}

static void tiff_unmap(thandle_t handle, void *base, toff_t size) {
  (void)handle;
  (void)base;
  (void)size;
}

/// Whether `data` starts with a TIFF (42) or BigTIFF (43) header, in either byte order.
static int tiff_has_signature(const uint8_t *data, size_t size) {
  if (data == NULL || size < 8) return 0;
  if (data[0] == 'I' && data[1] == 'I') return (data[2] == 42 || data[2] == 43) && data[3] == 0;
  if (data[0] == 'M' && data[1] == 'M') return data[2] == 0 && (data[3] == 42 || data[3] == 43);
  return 0;
}

static int tiff_fail(tiff_source *source, int status, const char *text) {
  if (!source->has_message) wnet_set_message(source->message, source->capacity, "%s", text);
  source->has_message = 1;
  return status;
}

/// Mirrors the rows (`flip_rows`) and/or the columns (`flip_columns`) of `pixels` in place.
static void tiff_flip(uint8_t *pixels, uint32_t width, uint32_t height, size_t pixel_bytes,
                      int flip_rows, int flip_columns) {
  size_t row_bytes = (size_t)width * pixel_bytes;
  uint8_t swap[16];  // a pixel is at most 3 samples of 4 bytes
  if (flip_columns) {
    for (uint32_t y = 0; y < height; y++) {
      uint8_t *row = pixels + (size_t)y * row_bytes;
      for (uint32_t x = 0; x < width / 2; x++) {
        uint8_t *a = row + (size_t)x * pixel_bytes;
        uint8_t *b = row + (size_t)(width - 1 - x) * pixel_bytes;
        memcpy(swap, a, pixel_bytes);
        memcpy(a, b, pixel_bytes);
        memcpy(b, swap, pixel_bytes);
      }
    }
  }
  if (flip_rows) {
    for (uint32_t y = 0; y < height / 2; y++) {
      uint8_t *a = pixels + (size_t)y * row_bytes;
      uint8_t *b = pixels + (size_t)(height - 1 - y) * row_bytes;
      for (size_t i = 0; i < row_bytes; i++) {
        uint8_t byte = a[i];
        a[i] = b[i];
        b[i] = byte;
      }
    }
  }
}

/// Reads 8/16-bit unsigned or 32-bit float samples as stored, strip by strip or tile by tile,
/// into `pixels` (`width * height * channels` samples of `sample_bytes` bytes). File samples
/// 0..<channels become the output channels; further ones (alpha, extra samples) are dropped.
static int tiff_read_samples(TIFF *tiff, tiff_source *source, uint32_t width, uint32_t height,
                             uint16_t samples_per_pixel, size_t sample_bytes, int channels,
                             uint8_t *pixels) {
  uint16_t planar = PLANARCONFIG_CONTIG;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
  int tiled = TIFFIsTiled(tiff);
  uint32_t block_width = width, block_height = height;
  if (tiled) {
    if (!TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &block_width) ||
        !TIFFGetField(tiff, TIFFTAG_TILELENGTH, &block_height)) {
      return tiff_fail(source, WNET_CODEC_CORRUPT, "TIFF tile size missing");
    }
  } else {
    TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &block_height);
    if (block_height > height) block_height = height;
  }
  if (block_width == 0 || block_height == 0 || block_width > 65536 || block_height > 65536) {
    return tiff_fail(source, WNET_CODEC_CORRUPT, "bad TIFF strip or tile size");
  }
  int separate = planar == PLANARCONFIG_SEPARATE;
  size_t block_samples = separate ? 1 : samples_per_pixel;  // interleaved in one block
  uint64_t needed = (uint64_t)block_width * block_height * block_samples * sample_bytes;
  tmsize_t block_bytes = tiled ? TIFFTileSize(tiff) : TIFFStripSize(tiff);
  if (block_bytes <= 0 || (uint64_t)block_bytes < needed ||
      (uint64_t)block_bytes > WNET_CODEC_MAX_DECODED_BYTES) {
    return tiff_fail(source, WNET_CODEC_CORRUPT, "bad TIFF strip or tile size");
  }
  uint8_t *block = (uint8_t *)malloc((size_t)block_bytes);
  if (block == NULL) return tiff_fail(source, WNET_CODEC_OUT_OF_MEMORY, "out of memory");

  size_t pixel_bytes = (size_t)channels * sample_bytes;
  // Separate planes beyond the output channels (alpha) are not even read.
  int planes = separate ? channels : 1;
  for (int plane = 0; plane < planes; plane++) {
    for (uint32_t y0 = 0; y0 < height; y0 += block_height) {
      for (uint32_t x0 = 0; x0 < width; x0 += block_width) {
        uint32_t rows = height - y0 < block_height ? height - y0 : block_height;
        uint32_t columns = width - x0 < block_width ? width - x0 : block_width;
        tmsize_t read;
        if (tiled) {
          read = TIFFReadTile(tiff, block, x0, y0, 0, (uint16_t)plane);
        } else {
          uint32_t strip = TIFFComputeStrip(tiff, y0, (uint16_t)plane);
          read = TIFFReadEncodedStrip(tiff, strip, block, block_bytes);
        }
        uint64_t filled = (uint64_t)(tiled ? block_height : rows) * block_width * block_samples *
                          sample_bytes;
        if (read < 0 || (uint64_t)read < filled) {
          free(block);
          return tiff_fail(source, WNET_CODEC_CORRUPT, "TIFF pixel data is truncated");
        }
        for (uint32_t r = 0; r < rows; r++) {
          const uint8_t *in = block + (size_t)r * block_width * block_samples * sample_bytes;
          uint8_t *out = pixels + ((size_t)(y0 + r) * width + x0) * pixel_bytes;
          if (!separate && block_samples == (size_t)channels) {
            memcpy(out, in, (size_t)columns * pixel_bytes);
            continue;
          }
          size_t channel = separate ? (size_t)plane : 0;
          size_t copied = separate ? 1 : (size_t)channels;
          for (uint32_t c = 0; c < columns; c++) {
            memcpy(out + (size_t)c * pixel_bytes + channel * sample_bytes,
                   in + (size_t)c * block_samples * sample_bytes, copied * sample_bytes);
          }
        }
      }
    }
  }
  free(block);
  return WNET_CODEC_OK;
}

/// Everything libtiff's RGBA interface reads (palette, 1/2/4-bit grey, YCbCr, CMYK, CIE L*a*b*),
/// as 8-bit RGB, or grey for the grey photometrics. libtiff applies the orientation.
static int tiff_read_rgba(TIFF *tiff, tiff_source *source, uint32_t width, uint32_t height,
                          int channels, uint8_t *pixels) {
  char reason[1024] = {0};
  if (!TIFFRGBAImageOK(tiff, reason)) {
    return tiff_fail(source, WNET_CODEC_UNSUPPORTED, reason[0] ? reason : "unsupported layout");
  }
  uint32_t *raster = (uint32_t *)malloc((size_t)width * height * sizeof(uint32_t));
  if (raster == NULL) return tiff_fail(source, WNET_CODEC_OUT_OF_MEMORY, "out of memory");
  if (!TIFFReadRGBAImageOriented(tiff, width, height, raster, ORIENTATION_TOPLEFT, 1)) {
    free(raster);
    return tiff_fail(source, WNET_CODEC_CORRUPT, "cannot read the TIFF pixels");
  }
  size_t count = (size_t)width * height;
  for (size_t i = 0; i < count; i++) {
    uint32_t abgr = raster[i];
    if (channels == 1) {
      pixels[i] = (uint8_t)TIFFGetR(abgr);
    } else {
      pixels[3 * i] = (uint8_t)TIFFGetR(abgr);
      pixels[3 * i + 1] = (uint8_t)TIFFGetG(abgr);
      pixels[3 * i + 2] = (uint8_t)TIFFGetB(abgr);
    }
  }
  free(raster);
  return WNET_CODEC_OK;
}

/// Decodes the first image of an open file into `image`.
static int tiff_decode_first_image(TIFF *tiff, tiff_source *source, wnet_decoded_image *image) {
  uint32_t width = 0, height = 0;
  uint16_t samples_per_pixel = 1, bits = 1, format = SAMPLEFORMAT_UINT, photometric = 0;
  uint16_t orientation = ORIENTATION_TOPLEFT, compression = COMPRESSION_NONE;
  if (!TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height) || width == 0 || height == 0) {
    return tiff_fail(source, WNET_CODEC_CORRUPT, "TIFF image size missing");
  }
  if (width > WNET_CODEC_MAX_DIMENSION || height > WNET_CODEC_MAX_DIMENSION) {
    return tiff_fail(source, WNET_CODEC_OUT_OF_MEMORY, "image too large");
  }
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples_per_pixel);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric)) {
    photometric = samples_per_pixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }
  if (samples_per_pixel == 0) return tiff_fail(source, WNET_CODEC_CORRUPT, "TIFF has 0 samples");
  if (!TIFFIsCODECConfigured(compression)) {
    wnet_set_message(source->message, source->capacity, "TIFF compression %u is not available",
                     compression);
    source->has_message = 1;
    return WNET_CODEC_UNSUPPORTED;
  }
  if (orientation > ORIENTATION_BOTLEFT) {
    wnet_set_message(source->message, source->capacity,
                     "TIFF orientation %u (rows and columns swapped) is not supported",
                     orientation);
    source->has_message = 1;
    return WNET_CODEC_UNSUPPORTED;
  }
  int grey = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  int channels = grey ? 1 : 3;
  int integer = format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_VOID;
  int direct = (grey || (photometric == PHOTOMETRIC_RGB && samples_per_pixel >= 3)) &&
               ((integer && (bits == 8 || bits == 16)) ||
                (format == SAMPLEFORMAT_IEEEFP && bits == 32 &&
                 photometric != PHOTOMETRIC_MINISWHITE));
  if (!direct && !integer) {
    wnet_set_message(source->message, source->capacity,
                     "TIFF with %u-bit %s samples (photometric %u) is not supported", bits,
                     format == SAMPLEFORMAT_IEEEFP ? "float" : "signed", photometric);
    source->has_message = 1;
    return WNET_CODEC_UNSUPPORTED;
  }
  int bit_depth = direct ? bits : 8;
  size_t sample_bytes = (size_t)bit_depth / 8;
  uint64_t total = (uint64_t)width * height * (uint64_t)channels * sample_bytes;
  uint64_t raster = (uint64_t)width * height * 4;  // the RGBA interface's buffer
  if (total > WNET_CODEC_MAX_DECODED_BYTES || (!direct && raster > WNET_CODEC_MAX_DECODED_BYTES)) {
    return tiff_fail(source, WNET_CODEC_OUT_OF_MEMORY, "image too large");
  }
  uint8_t *pixels = (uint8_t *)malloc((size_t)total);
  if (pixels == NULL) return tiff_fail(source, WNET_CODEC_OUT_OF_MEMORY, "out of memory");
  int status = direct ? tiff_read_samples(tiff, source, width, height, samples_per_pixel,
                                          sample_bytes, channels, pixels)
                      : tiff_read_rgba(tiff, source, width, height, channels, pixels);
  if (status != WNET_CODEC_OK) {
    free(pixels);
    return status;
  }
  if (direct) {
    if (photometric == PHOTOMETRIC_MINISWHITE) {  // 0 is white: invert to the usual grey
      size_t count = (size_t)width * height;
      if (bit_depth == 8) {
        for (size_t i = 0; i < count; i++) pixels[i] = (uint8_t)(255 - pixels[i]);
      } else {
        uint16_t *samples = (uint16_t *)pixels;
        for (size_t i = 0; i < count; i++) samples[i] = (uint16_t)(65535 - samples[i]);
      }
    }
    // ORIENTATION_TOPRIGHT mirrors the columns, BOTRIGHT both, BOTLEFT the rows.
    tiff_flip(pixels, width, height, (size_t)channels * sample_bytes,
              orientation == ORIENTATION_BOTRIGHT || orientation == ORIENTATION_BOTLEFT,
              orientation == ORIENTATION_TOPRIGHT || orientation == ORIENTATION_BOTRIGHT);
  }
  image->width = (int32_t)width;
  image->height = (int32_t)height;
  image->channels = channels;
  image->bit_depth = bit_depth;
  image->pixels = pixels;
  return WNET_CODEC_OK;
}

int wnet_tiff_decode(const uint8_t *data, size_t size, wnet_decoded_image *image, char *message,
                     size_t capacity) {
  memset(image, 0, sizeof *image);
  if (message != NULL && capacity > 0) message[0] = 0;
  if (!tiff_has_signature(data, size)) {
    wnet_set_message(message, capacity, "not a TIFF file (bad signature)");
    return WNET_CODEC_CORRUPT;
  }
  pthread_once(&tiff_global_handlers_once, tiff_silence_global_handlers);
  tiff_source source = {data, size, 0, message, capacity, 0};
  TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
  if (options == NULL) {
    wnet_set_message(message, capacity, "out of memory");
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_error, &source);
  TIFFOpenOptionsSetWarningHandlerExtR(options, tiff_warning, NULL);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)WNET_CODEC_MAX_DECODED_BYTES);
  // "m": read through tiff_read rather than a memory map.
  TIFF *tiff = TIFFClientOpenExt(TIFF_NAME, "rm", (thandle_t)&source, tiff_read, tiff_write,
                                 tiff_seek, tiff_close, tiff_size, tiff_map, tiff_unmap, options);
  TIFFOpenOptionsFree(options);
  if (tiff == NULL) return tiff_fail(&source, WNET_CODEC_CORRUPT, "cannot read the TIFF header");
  int status = tiff_decode_first_image(tiff, &source, image);
  TIFFClose(tiff);
  return status;
}
