// The oneDNN 2.6 C API as Swift sees it (Debian `libdnnl-dev`; it ships no pkg-config file).
#ifndef WNET_CDNNL_SHIM_H
#define WNET_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

// `DNNL_MEMORY_ALLOCATE` and `DNNL_MEMORY_NONE` are cast macros that Swift cannot import.
static inline void *wnet_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline void *wnet_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }

#endif
