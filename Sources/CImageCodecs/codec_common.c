#include <stdlib.h>

#include "CImageCodecs.h"

void wnet_codec_free(void *pointer) { free(pointer); }
