// PNG, JPEG and TIFF codecs for WNet, in memory, with every libpng/libjpeg/libtiff error turned
// into a return code and a message (never a longjmp into Swift, never exit(), nothing printed).
//
// Internal to the StereoData module: Swift code imports this target `internal` and wraps it in
// thrown errors. Pixels are row-major with channels interleaved: 8-bit samples are uint8_t,
// 16-bit samples are uint16_t in host byte order, 32-bit samples (TIFF only) are IEEE float.
#ifndef WNET_CIMAGECODECS_H
#define WNET_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Return codes of every codec function.
enum {
  WNET_CODEC_OK = 0,
  /// The data is not a valid file of the format (bad signature, truncated, corrupt).
  WNET_CODEC_CORRUPT = 1,
  /// A valid file using a feature these codecs do not read (e.g. a CMYK JPEG).
  WNET_CODEC_UNSUPPORTED = 2,
  /// An allocation failed or the image is too large.
  WNET_CODEC_OUT_OF_MEMORY = 3,
  /// A caller error: bad size, channel count or bit depth.
  WNET_CODEC_BAD_ARGUMENT = 4,
};

/// A decoded image. `pixels` is allocated by the decoder; release it with `wnet_codec_free`.
typedef struct {
  int32_t width;
  int32_t height;
  /// 1 (grey) or 3 (RGB): alpha is dropped, palettes are expanded to RGB.
  int32_t channels;
  /// 8 or 16 (unsigned integers), or 32 (float, only from TIFF).
  int32_t bit_depth;
  /// `width * height * channels` samples of `bit_depth` bits.
  void *pixels;
} wnet_decoded_image;

/// An encoded file in memory. `bytes` is allocated by the encoder; release it with
/// `wnet_codec_free`.
typedef struct {
  uint8_t *bytes;
  size_t count;
} wnet_encoded_data;

/// Releases memory returned by a codec function. Accepts NULL.
void wnet_codec_free(void *pointer);

/// Decodes a PNG file held in memory, exactly: no gamma or colour conversion.
///
/// Grey (1, 2, 4, 8, 16 bits) gives 1 channel; RGB and palette images give 3 channels; alpha
/// channels and tRNS transparency are dropped. Bit depths below 8 are expanded to 8.
/// On failure, writes a one-line message to `message` (NUL-terminated, at most `capacity` bytes).
int wnet_png_decode(const uint8_t *data, size_t size, wnet_decoded_image *image,
                    char *message, size_t capacity);

/// Encodes 1 (grey) or 3 (RGB) channels of 8 or 16 bits as a PNG file in memory.
///
/// `compression_level` is zlib's 0 (none) to 9 (smallest).
int wnet_png_encode(const void *pixels, int32_t width, int32_t height, int32_t channels,
                    int32_t bit_depth, int32_t compression_level, wnet_encoded_data *output,
                    char *message, size_t capacity);

/// Decodes a baseline or progressive JPEG file held in memory to 8-bit grey (1 channel) or RGB.
///
/// Corrupt-data warnings (including a premature end of file) are treated as errors, so a
/// truncated file fails instead of decoding to a grey-filled image.
int wnet_jpeg_decode(const uint8_t *data, size_t size, wnet_decoded_image *image,
                     char *message, size_t capacity);

/// Encodes 8-bit grey or RGB as a JPEG file in memory, at `quality` 1-100, without chroma
/// subsampling (4:4:4).
int wnet_jpeg_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                     int32_t quality, wnet_encoded_data *output, char *message, size_t capacity);

/// Decodes the first image of a TIFF or BigTIFF file held in memory (either byte order, strips or
/// tiles, contiguous or separate planes, any compression libtiff was built with).
///
/// 8- and 16-bit unsigned and 32-bit float samples are returned as stored: grey
/// (MinIsBlack; MinIsWhite integers are inverted to `max - v`) gives 1 channel, RGB gives 3, and
/// further samples (alpha) are dropped. Other layouts that libtiff's RGBA interface reads
/// (palette, 1/2/4-bit grey, YCbCr, CMYK) decode to 8-bit RGB, or grey for grey photometrics.
/// Orientations 1-4 are applied (mirrored rows and/or columns); 5-8 are unsupported. libtiff's
/// errors and warnings go to `message` (the first error) or nowhere, never to stderr.
int wnet_tiff_decode(const uint8_t *data, size_t size, wnet_decoded_image *image,
                     char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

/// Fixes glibc's mmap threshold at `bytes` (which also turns off its dynamic adjustment), so that
/// large blocks go back to the system when freed, and its trim threshold at glibc's default
/// (128 KiB). Returns 1 on success.
int wnet_fix_mmap_threshold(int bytes);
/// Serves blocks below `mmap_bytes` from the heap and keeps up to `trim_bytes` of freed memory at
/// its top instead of returning it (glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD), so that blocks
/// freed after one frame serve the next without page faults. Returns 1 on success.
int wnet_keep_freed_memory(int mmap_bytes, int trim_bytes);

#endif
