// SPDX-License-Identifier: Apache-2.0
#include "CEarlybindDecompress.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// The layouts of the stream structures of the stable ABIs: zlib's
// z_stream, liblzma's lzma_stream, libbz2's bz_stream, zstd's buffers.
struct eb_z_stream {
  const uint8_t *next_in;
  unsigned avail_in;
  unsigned long total_in;
  uint8_t *next_out;
  unsigned avail_out;
  unsigned long total_out;
  const char *msg;
  void *state;
  void *zalloc;
  void *zfree;
  void *opaque;
  int data_type;
  unsigned long adler;
  unsigned long reserved;
};
struct eb_lzma_stream {
  const uint8_t *next_in;
  size_t avail_in;
  uint64_t total_in;
  uint8_t *next_out;
  size_t avail_out;
  uint64_t total_out;
  const void *allocator;
  void *internal;
  void *reserved_ptr[4];
  uint64_t reserved_int1, reserved_int2;
  size_t reserved_int3, reserved_int4;
  int reserved_enum1, reserved_enum2;
};
struct eb_bz_stream {
  const uint8_t *next_in;
  unsigned avail_in;
  unsigned total_in_lo32, total_in_hi32;
  uint8_t *next_out;
  unsigned avail_out;
  unsigned total_out_lo32, total_out_hi32;
  void *state;
  void *bzalloc;
  void *bzfree;
  void *opaque;
};
struct eb_zstd_buffer {
  const void *data;
  size_t size;
  size_t pos;
};

static struct {
  int z, lzma, bz, zstd, lzo, lz4;
  int (*inflate_init2)(struct eb_z_stream *, int, const char *, int);
  int (*inflate)(struct eb_z_stream *, int);
  int (*inflate_end)(struct eb_z_stream *);
  int (*lzma_stream_decoder)(struct eb_lzma_stream *, uint64_t, uint32_t);
  int (*lzma_alone_decoder)(struct eb_lzma_stream *, uint64_t);
  int (*lzma_code)(struct eb_lzma_stream *, int);
  void (*lzma_end)(struct eb_lzma_stream *);
  int (*bz_init)(struct eb_bz_stream *, int, int);
  int (*bz_decompress)(struct eb_bz_stream *);
  int (*bz_end)(struct eb_bz_stream *);
  void *(*zstd_create)(void);
  size_t (*zstd_free)(void *);
  size_t (*zstd_set_parameter)(void *, int, int);
  size_t (*zstd_decompress)(void *, struct eb_zstd_buffer *, struct eb_zstd_buffer *);
  unsigned (*zstd_is_error)(size_t);
  const char *(*zstd_error_name)(size_t);
  int (*lzo1x_decompress_safe)(const uint8_t *, size_t, uint8_t *, size_t *, void *);
  int (*lz4_decompress_safe)(const char *, char *, int, int);
} lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *open_library(const char *name) { return dlopen(name, RTLD_NOW | RTLD_LOCAL); }

#define FIND(handle, field, symbol) (*(void **)&lib.field = dlsym(handle, symbol))

static void load(void) {
  void *h;
  if ((h = open_library("libz.so.1"))) {
    lib.z = FIND(h, inflate_init2, "inflateInit2_") && FIND(h, inflate, "inflate") &&
            FIND(h, inflate_end, "inflateEnd");
  }
  if ((h = open_library("liblzma.so.5"))) {
    lib.lzma = FIND(h, lzma_stream_decoder, "lzma_stream_decoder") &&
               FIND(h, lzma_alone_decoder, "lzma_alone_decoder") &&
               FIND(h, lzma_code, "lzma_code") && FIND(h, lzma_end, "lzma_end");
  }
  if ((h = open_library("libbz2.so.1.0")) || (h = open_library("libbz2.so.1"))) {
    lib.bz = FIND(h, bz_init, "BZ2_bzDecompressInit") &&
             FIND(h, bz_decompress, "BZ2_bzDecompress") && FIND(h, bz_end, "BZ2_bzDecompressEnd");
  }
  if ((h = open_library("libzstd.so.1"))) {
    lib.zstd = FIND(h, zstd_create, "ZSTD_createDStream") &&
               FIND(h, zstd_free, "ZSTD_freeDStream") &&
               FIND(h, zstd_set_parameter, "ZSTD_DCtx_setParameter") &&
               FIND(h, zstd_decompress, "ZSTD_decompressStream") &&
               FIND(h, zstd_is_error, "ZSTD_isError") &&
               FIND(h, zstd_error_name, "ZSTD_getErrorName");
  }
  if ((h = open_library("liblzo2.so.2"))) {
    lib.lzo = FIND(h, lzo1x_decompress_safe, "lzo1x_decompress_safe") != 0;
  }
  if ((h = open_library("liblz4.so.1"))) {
    lib.lz4 = FIND(h, lz4_decompress_safe, "LZ4_decompress_safe") != 0;
  }
}

static void ensure_loaded(void) { pthread_once(&once, load); }

const char *eb_codec_library(int codec) {
  switch (codec) {
    case EB_CODEC_DEFLATE: return "libz.so.1";
    case EB_CODEC_XZ:
    case EB_CODEC_LZMA: return "liblzma.so.5";
    case EB_CODEC_BZIP2: return "libbz2.so.1.0";
    case EB_CODEC_ZSTD: return "libzstd.so.1";
    default: return "?";
  }
}

struct decoder {
  int codec;
  union {
    struct eb_z_stream z;
    struct eb_lzma_stream lzma;
    struct eb_bz_stream bz;
    void *zstd;
  } s;
};

void *eb_codec_create(int codec, uint64_t memory_limit, const char **error) {
  ensure_loaded();
  int available = codec == EB_CODEC_DEFLATE ? lib.z
                  : codec == EB_CODEC_XZ || codec == EB_CODEC_LZMA ? lib.lzma
                  : codec == EB_CODEC_BZIP2 ? lib.bz
                  : codec == EB_CODEC_ZSTD ? lib.zstd
                                           : 0;
  if (!available) {
    *error = "library not found";
    return NULL;
  }
  struct decoder *d = calloc(1, sizeof *d);
  if (!d) {
    *error = "out of memory";
    return NULL;
  }
  d->codec = codec;
  int ok = 0;
  switch (codec) {
    case EB_CODEC_DEFLATE:
      // -15: raw deflate with a 32 KiB window; "1" passes zlib's version check.
      ok = lib.inflate_init2(&d->s.z, -15, "1", (int)sizeof d->s.z) == 0;
      break;
    case EB_CODEC_XZ: ok = lib.lzma_stream_decoder(&d->s.lzma, memory_limit, 0) == 0; break;
    case EB_CODEC_LZMA: ok = lib.lzma_alone_decoder(&d->s.lzma, memory_limit) == 0; break;
    case EB_CODEC_BZIP2: ok = lib.bz_init(&d->s.bz, 0, 0) == 0; break;
    case EB_CODEC_ZSTD:
      d->s.zstd = lib.zstd_create();
      ok = d->s.zstd != NULL;
      if (ok) {
        // ZSTD_d_windowLogMax: a frame asking for a larger window is refused.
        unsigned window_log = 10;
        while (window_log < 31 && ((uint64_t)1 << (window_log + 1)) <= memory_limit) window_log++;
        lib.zstd_set_parameter(d->s.zstd, 100, (int)window_log);
      }
      break;
  }
  if (!ok) {
    free(d);
    *error = "cannot start the decoder";
    return NULL;
  }
  return d;
}

void eb_codec_free(void *decoder) {
  struct decoder *d = decoder;
  if (!d) return;
  switch (d->codec) {
    case EB_CODEC_DEFLATE: lib.inflate_end(&d->s.z); break;
    case EB_CODEC_XZ:
    case EB_CODEC_LZMA: lib.lzma_end(&d->s.lzma); break;
    case EB_CODEC_BZIP2: lib.bz_end(&d->s.bz); break;
    case EB_CODEC_ZSTD: lib.zstd_free(d->s.zstd); break;
  }
  free(d);
}

// zlib, libbz2 take unsigned counts: feed at most this much per call.
#define CHUNK_MAX (1u << 30)

static unsigned clamp(size_t n) { return n > CHUNK_MAX ? CHUNK_MAX : (unsigned)n; }

int eb_codec_run(void *decoder, const uint8_t *in, size_t in_size, size_t *in_pos, uint8_t *out,
                 size_t out_size, size_t *out_pos, const char **error) {
  struct decoder *d = decoder;
  switch (d->codec) {
    case EB_CODEC_DEFLATE: {
      struct eb_z_stream *z = &d->s.z;
      z->next_in = in + *in_pos;
      z->avail_in = clamp(in_size - *in_pos);
      z->next_out = out + *out_pos;
      z->avail_out = clamp(out_size - *out_pos);
      int rc = lib.inflate(z, 0);
      *in_pos = (size_t)(z->next_in - in);
      *out_pos = (size_t)(z->next_out - out);
      if (rc == 1) return 0;               // Z_STREAM_END
      if (rc == 0 || rc == -5) return 1;   // Z_OK, Z_BUF_ERROR (no progress possible yet)
      *error = z->msg ? z->msg : (rc == -3 ? "invalid data" : "inflate error");
      return -1;
    }
    case EB_CODEC_XZ:
    case EB_CODEC_LZMA: {
      struct eb_lzma_stream *s = &d->s.lzma;
      s->next_in = in + *in_pos;
      s->avail_in = in_size - *in_pos;
      s->next_out = out + *out_pos;
      s->avail_out = out_size - *out_pos;
      int rc = lib.lzma_code(s, 0);
      *in_pos = (size_t)(s->next_in - in);
      *out_pos = (size_t)(s->next_out - out);
      switch (rc) {
        case 0: return 1;   // LZMA_OK
        case 1: return 0;   // LZMA_STREAM_END
        case 10: return 1;  // LZMA_BUF_ERROR: no progress possible yet
        case 5: *error = "memory limit reached"; return -1;
        case 6: *error = "not in this format"; return -1;
        case 7: *error = "unsupported options"; return -1;
        case 9: *error = "corrupt data"; return -1;
        case 3: *error = "unsupported integrity check"; return -1;
        default: *error = "decoder error"; return -1;
      }
    }
    case EB_CODEC_BZIP2: {
      struct eb_bz_stream *b = &d->s.bz;
      b->next_in = in + *in_pos;
      b->avail_in = clamp(in_size - *in_pos);
      b->next_out = out + *out_pos;
      b->avail_out = clamp(out_size - *out_pos);
      int rc = lib.bz_decompress(b);
      *in_pos = (size_t)(b->next_in - in);
      *out_pos = (size_t)(b->next_out - out);
      if (rc == 4) return 0;  // BZ_STREAM_END
      if (rc == 0) return 1;  // BZ_OK
      *error = rc == -4 ? "corrupt data" : rc == -5 ? "not bzip2 data" : "decoder error";
      return -1;
    }
    case EB_CODEC_ZSTD: {
      struct eb_zstd_buffer input = {in, in_size, *in_pos};
      struct eb_zstd_buffer output = {out, out_size, *out_pos};
      size_t rc = lib.zstd_decompress(d->s.zstd, &output, &input);
      *in_pos = input.pos;
      *out_pos = output.pos;
      if (lib.zstd_is_error(rc)) {
        *error = lib.zstd_error_name(rc);
        return -1;
      }
      return rc == 0 ? 0 : 1;
    }
  }
  *error = "unknown codec";
  return -1;
}

long eb_lzo1x_block(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                    const char **error) {
  ensure_loaded();
  if (!lib.lzo) {
    *error = "liblzo2.so.2 not found";
    return -1;
  }
  size_t produced = out_size;
  if (lib.lzo1x_decompress_safe(in, in_size, out, &produced, NULL) != 0) {
    *error = "corrupt data";
    return -1;
  }
  return (long)produced;
}

long eb_lz4_block(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                  const char **error) {
  ensure_loaded();
  if (!lib.lz4) {
    *error = "liblz4.so.1 not found";
    return -1;
  }
  if (in_size > 0x7fffffff || out_size > 0x7fffffff) {
    *error = "block too large";
    return -1;
  }
  int produced = lib.lz4_decompress_safe((const char *)in, (char *)out, (int)in_size, (int)out_size);
  if (produced < 0) {
    *error = "corrupt data";
    return -1;
  }
  return produced;
}
