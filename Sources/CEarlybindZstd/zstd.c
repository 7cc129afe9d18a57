// SPDX-License-Identifier: Apache-2.0
#include "CEarlybindZstd.h"

#include <dlfcn.h>
#include <pthread.h>

// The layouts of zstd's stable API (zstd.h): ZSTD_inBuffer, ZSTD_outBuffer.
struct eb_zstd_in {
  const void *src;
  size_t size;
  size_t pos;
};
struct eb_zstd_out {
  void *dst;
  size_t size;
  size_t pos;
};

static struct {
  void *(*create)(void);
  size_t (*free)(void *);
  size_t (*decompress)(void *, struct eb_zstd_out *, struct eb_zstd_in *);
  unsigned (*is_error)(size_t);
  const char *(*error_name)(size_t);
  size_t (*input_size)(void);
} calls;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  void *library = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) return;
  calls.create = (void *(*)(void))dlsym(library, "ZSTD_createDStream");
  calls.free = (size_t(*)(void *))dlsym(library, "ZSTD_freeDStream");
  calls.decompress = (size_t(*)(void *, struct eb_zstd_out *, struct eb_zstd_in *))dlsym(
      library, "ZSTD_decompressStream");
  calls.is_error = (unsigned (*)(size_t))dlsym(library, "ZSTD_isError");
  calls.error_name = (const char *(*)(size_t))dlsym(library, "ZSTD_getErrorName");
  calls.input_size = (size_t(*)(void))dlsym(library, "ZSTD_DStreamInSize");
  loaded = calls.create && calls.free && calls.decompress && calls.is_error && calls.error_name &&
           calls.input_size;
}

int eb_zstd_available(void) {
  pthread_once(&once, load);
  return loaded;
}

void *eb_zstd_create(void) { return eb_zstd_available() ? calls.create() : NULL; }

void eb_zstd_free(void *context) {
  if (context) calls.free(context);
}

size_t eb_zstd_input_size(void) { return eb_zstd_available() ? calls.input_size() : 131072; }

int eb_zstd_decompress(void *context, const void *in, size_t in_size, size_t *in_pos, void *out,
                       size_t out_size, size_t *out_pos, const char **error) {
  struct eb_zstd_in input = {in, in_size, *in_pos};
  struct eb_zstd_out output = {out, out_size, *out_pos};
  size_t result = calls.decompress(context, &output, &input);
  *in_pos = input.pos;
  *out_pos = output.pos;
  if (calls.is_error(result)) {
    *error = calls.error_name(result);
    return -1;
  }
  return result == 0 ? 0 : 1;
}
