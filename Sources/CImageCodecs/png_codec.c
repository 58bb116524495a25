// PNG decoding and encoding with libpng's low-level API. Every libpng error longjmps back to the
// setjmp in the function that started the work, which frees what it allocated and returns a code.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "CImageCodecs.h"
#include "codec_common.h"

typedef struct {
  char *message;
  size_t capacity;
} png_error_context;

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t offset;
} png_memory_reader;

typedef struct {
  uint8_t *bytes;
  size_t count;
  size_t capacity;
} png_memory_writer;

static void png_error_handler(png_structp png, png_const_charp text) {
  png_error_context *context = (png_error_context *)png_get_error_ptr(png);
  wnet_set_message(context->message, context->capacity, "%s", text);
  png_longjmp(png, 1);
}

// Warnings (e.g. an ancillary chunk with a bad CRC) leave the pixels intact: ignore them.
static void png_warning_handler(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static void png_read_from_memory(png_structp png, png_bytep out, png_size_t count) {
  png_memory_reader *reader = (png_memory_reader *)png_get_io_ptr(png);
  if (count > reader->size - reader->offset) png_error(png, "file is truncated");
  memcpy(out, reader->data + reader->offset, count);
  reader->offset += count;
}

static void png_write_to_memory(png_structp png, png_bytep data, png_size_t count) {
  png_memory_writer *writer = (png_memory_writer *)png_get_io_ptr(png);
  if (writer->count + count > writer->capacity) {
    size_t capacity = writer->capacity ? writer->capacity : 65536;
    while (capacity < writer->count + count) capacity *= 2;
    uint8_t *bytes = (uint8_t *)realloc(writer->bytes, capacity);
    if (bytes == NULL) png_error(png, "out of memory");
    writer->bytes = bytes;
    writer->capacity = capacity;
  }
  memcpy(writer->bytes + writer->count, data, count);
  writer->count += count;
}

static void png_flush_memory(png_structp png) { (void)png; }

static int host_is_little_endian(void) {
  const uint16_t probe = 1;
  return *(const uint8_t *)&probe == 1;
}

int wnet_png_decode(const uint8_t *data, size_t size, wnet_decoded_image *image, char *message,
                    size_t capacity) {
  memset(image, 0, sizeof *image);
  if (data == NULL || size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
    wnet_set_message(message, capacity, "not a PNG file (bad signature)");
    return WNET_CODEC_CORRUPT;
  }
  png_error_context context = {message, capacity};
  png_memory_reader reader = {data, size, 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, png_error_handler,
                                           png_warning_handler);
  if (png == NULL) {
    wnet_set_message(message, capacity, "out of memory");
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  png_infop info = png_create_info_struct(png);
  // Written between setjmp and a possible longjmp, so volatile (C11 7.13.2.1).
  uint8_t *volatile pixels = NULL;
  png_bytep *volatile rows = NULL;
  volatile int status = WNET_CODEC_CORRUPT;
  if (setjmp(png_jmpbuf(png))) {
    free(pixels);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return status;
  }
  if (info == NULL) {
    status = WNET_CODEC_OUT_OF_MEMORY;
    png_error(png, "out of memory");
  }
  png_set_user_limits(png, WNET_CODEC_MAX_DIMENSION, WNET_CODEC_MAX_DIMENSION);
  png_set_read_fn(png, &reader, png_read_from_memory);
  png_read_info(png, info);

  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
  // Transformations, none of which touch sample values: no gamma, no colour management.
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  int channels = png_get_channels(png, info);
  int out_depth = png_get_bit_depth(png, info);
  if ((channels != 1 && channels != 3) || (out_depth != 8 && out_depth != 16)) {
    status = WNET_CODEC_UNSUPPORTED;
    png_error(png, "unsupported PNG colour type or bit depth");
  }
  size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != (size_t)width * (size_t)channels * (size_t)(out_depth / 8)) {
    status = WNET_CODEC_UNSUPPORTED;
    png_error(png, "unexpected PNG row size");
  }
  if ((uint64_t)row_bytes * height > WNET_CODEC_MAX_DECODED_BYTES) {
    status = WNET_CODEC_OUT_OF_MEMORY;
    png_error(png, "image too large");
  }
  pixels = (uint8_t *)malloc(row_bytes * height);
  rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
  if (pixels == NULL || rows == NULL) {
    status = WNET_CODEC_OUT_OF_MEMORY;
    png_error(png, "out of memory");
  }
  for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
  png_read_image(png, rows);
  // The trailing chunks are not read: a file cut after its last pixel still decodes exactly.

  image->width = (int32_t)width;
  image->height = (int32_t)height;
  image->channels = channels;
  image->bit_depth = out_depth;
  image->pixels = pixels;
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  return WNET_CODEC_OK;
}

int wnet_png_encode(const void *source, int32_t width, int32_t height, int32_t channels,
                    int32_t bit_depth, int32_t compression_level, wnet_encoded_data *output,
                    char *message, size_t capacity) {
  memset(output, 0, sizeof *output);
  if (source == NULL || width <= 0 || height <= 0 || width > WNET_CODEC_MAX_DIMENSION ||
      height > WNET_CODEC_MAX_DIMENSION || (channels != 1 && channels != 3) ||
      (bit_depth != 8 && bit_depth != 16) || compression_level < 0 || compression_level > 9) {
    wnet_set_message(message, capacity,
                     "cannot write a %dx%d PNG with %d channels of %d bits at level %d", width,
                     height, channels, bit_depth, compression_level);
    return WNET_CODEC_BAD_ARGUMENT;
  }
  png_error_context context = {message, capacity};
  png_memory_writer writer = {NULL, 0, 0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, png_error_handler,
                                            png_warning_handler);
  if (png == NULL) {
    wnet_set_message(message, capacity, "out of memory");
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  png_infop info = png_create_info_struct(png);
  png_bytep *volatile rows = NULL;
  if (setjmp(png_jmpbuf(png))) {
    free(rows);
    free(writer.bytes);
    png_destroy_write_struct(&png, &info);
    return WNET_CODEC_OUT_OF_MEMORY;  // the only failures left are allocations
  }
  if (info == NULL) png_error(png, "out of memory");
  png_set_write_fn(png, &writer, png_write_to_memory, png_flush_memory);
  png_set_compression_level(png, compression_level);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);
  size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
  rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
  if (rows == NULL) png_error(png, "out of memory");
  for (int32_t y = 0; y < height; y++) {
    rows[y] = (png_bytep)((const uint8_t *)source + (size_t)y * row_bytes);
  }
  png_write_image(png, rows);
  png_write_end(png, NULL);

  free(rows);
  png_destroy_write_struct(&png, &info);
  output->bytes = writer.bytes;
  output->count = writer.count;
  return WNET_CODEC_OK;
}
