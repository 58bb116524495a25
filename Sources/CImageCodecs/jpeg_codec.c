// JPEG decoding and encoding with libjpeg-turbo. The library's default error manager calls
// exit(); this one longjmps back to the function that started the work instead, which frees what
// it allocated and returns a code.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "CImageCodecs.h"
#include "codec_common.h"

typedef struct {
  struct jpeg_error_mgr manager;  // first, so a j_common_ptr's err can be cast to this type
  jmp_buf jump;
  char *message;
  size_t capacity;
} jpeg_error_context;

static void jpeg_fail(j_common_ptr codec) {
  jpeg_error_context *context = (jpeg_error_context *)codec->err;
  char text[JMSG_LENGTH_MAX];
  (*codec->err->format_message)(codec, text);
  wnet_set_message(context->message, context->capacity, "%s", text);
  longjmp(context->jump, 1);
}

// Level -1 is a warning about corrupt data (a premature end of file among them): the decoder
// would go on and fill the rest with grey, so fail instead. Levels >= 0 are trace messages.
static void jpeg_emit(j_common_ptr codec, int level) {
  if (level < 0) jpeg_fail(codec);
}

static void jpeg_output_nothing(j_common_ptr codec) { (void)codec; }

static void jpeg_install_errors(jpeg_error_context *context, char *message, size_t capacity) {
  jpeg_std_error(&context->manager);
  context->manager.error_exit = jpeg_fail;
  context->manager.emit_message = jpeg_emit;
  context->manager.output_message = jpeg_output_nothing;
  context->message = message;
  context->capacity = capacity;
}

int wnet_jpeg_decode(const uint8_t *data, size_t size, wnet_decoded_image *image, char *message,
                     size_t capacity) {
  memset(image, 0, sizeof *image);
  if (data == NULL || size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
    wnet_set_message(message, capacity, "not a JPEG file (bad signature)");
    return WNET_CODEC_CORRUPT;
  }
  struct jpeg_decompress_struct codec;
  jpeg_error_context errors;
  jpeg_install_errors(&errors, message, capacity);
  codec.err = &errors.manager;
  uint8_t *volatile pixels = NULL;
  if (setjmp(errors.jump)) {
    free(pixels);
    jpeg_destroy_decompress(&codec);
    return WNET_CODEC_CORRUPT;
  }
  jpeg_create_decompress(&codec);
  jpeg_mem_src(&codec, data, (unsigned long)size);
  if (jpeg_read_header(&codec, TRUE) != JPEG_HEADER_OK) {
    wnet_set_message(message, capacity, "JPEG file holds tables but no image");
    jpeg_destroy_decompress(&codec);
    return WNET_CODEC_CORRUPT;
  }
  codec.out_color_space = codec.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&codec);
  int channels = codec.output_components;
  size_t row_bytes = (size_t)codec.output_width * (size_t)channels;
  if (channels != 1 && channels != 3) {
    wnet_set_message(message, capacity, "JPEG decodes to %d channels", channels);
    jpeg_destroy_decompress(&codec);
    return WNET_CODEC_UNSUPPORTED;
  }
  if ((uint64_t)row_bytes * codec.output_height > WNET_CODEC_MAX_DECODED_BYTES) {
    wnet_set_message(message, capacity, "image too large");
    jpeg_destroy_decompress(&codec);
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  pixels = (uint8_t *)malloc(row_bytes * codec.output_height);
  if (pixels == NULL) {
    wnet_set_message(message, capacity, "out of memory");
    jpeg_destroy_decompress(&codec);
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  while (codec.output_scanline < codec.output_height) {
    JSAMPROW row = pixels + (size_t)codec.output_scanline * row_bytes;
    jpeg_read_scanlines(&codec, &row, 1);
  }
  jpeg_finish_decompress(&codec);

  image->width = (int32_t)codec.output_width;
  image->height = (int32_t)codec.output_height;
  image->channels = channels;
  image->bit_depth = 8;
  image->pixels = pixels;
  jpeg_destroy_decompress(&codec);
  return WNET_CODEC_OK;
}

int wnet_jpeg_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                     int32_t quality, wnet_encoded_data *output, char *message, size_t capacity) {
  memset(output, 0, sizeof *output);
  if (pixels == NULL || width <= 0 || height <= 0 || width > 65500 || height > 65500 ||
      (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
    wnet_set_message(message, capacity, "cannot write a %dx%d JPEG with %d channels at quality %d",
                     width, height, channels, quality);
    return WNET_CODEC_BAD_ARGUMENT;
  }
  struct jpeg_compress_struct codec;
  jpeg_error_context errors;
  jpeg_install_errors(&errors, message, capacity);
  codec.err = &errors.manager;
  // jpeg_mem_dest grows this buffer with malloc; the caller owns it afterwards.
  unsigned char *volatile bytes = NULL;
  unsigned long count = 0;
  if (setjmp(errors.jump)) {
    jpeg_destroy_compress(&codec);
    free(bytes);
    return WNET_CODEC_OUT_OF_MEMORY;
  }
  jpeg_create_compress(&codec);
  jpeg_mem_dest(&codec, (unsigned char **)&bytes, &count);
  codec.image_width = (JDIMENSION)width;
  codec.image_height = (JDIMENSION)height;
  codec.input_components = channels;
  codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&codec);
  jpeg_set_quality(&codec, quality, TRUE);
  for (int component = 0; component < codec.num_components; component++) {
    codec.comp_info[component].h_samp_factor = 1;  // 4:4:4, no chroma subsampling
    codec.comp_info[component].v_samp_factor = 1;
  }
  jpeg_start_compress(&codec, TRUE);
  size_t row_bytes = (size_t)width * (size_t)channels;
  while (codec.next_scanline < codec.image_height) {
    JSAMPROW row = (JSAMPROW)(pixels + (size_t)codec.next_scanline * row_bytes);
    jpeg_write_scanlines(&codec, &row, 1);
  }
  jpeg_finish_compress(&codec);
  jpeg_destroy_compress(&codec);
  output->bytes = bytes;
  output->count = count;
  return WNET_CODEC_OK;
}
