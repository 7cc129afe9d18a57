// SPDX-License-Identifier: Apache-2.0
#ifndef CEARLYBINDDECOMPRESS_H
#define CEARLYBINDDECOMPRESS_H

// The decompressors of the host's initramfs reader, from the system's
// shared libraries (zlib, liblzma, libbz2, libzstd, liblzo2, liblz4),
// loaded with dlopen: no link dependency and no headers at build time. The
// calls used are part of each library's stable ABI. Every call reports how
// much input it consumed, so that the reader knows where a compressed member
// ends and the next one starts, as the kernel's unpacker does.

#include <stddef.h>
#include <stdint.h>

enum eb_codec {
  EB_CODEC_DEFLATE = 0,  // raw deflate (the body of a gzip member)
  EB_CODEC_XZ = 1,       // one .xz stream
  EB_CODEC_LZMA = 2,     // one .lzma ("alone") stream
  EB_CODEC_BZIP2 = 3,    // one bzip2 stream
  EB_CODEC_ZSTD = 4,     // one zstd frame
};

/// The shared library a codec needs ("libz.so.1"...), for messages.
const char *eb_codec_library(int codec);

/// A streaming decoder, or NULL (the library is missing: *error says so).
/// `memory_limit` bounds the decoder's own memory where the library can.
void *eb_codec_create(int codec, uint64_t memory_limit, const char **error);
void eb_codec_free(void *decoder);

/// Decodes from in[*in_pos, in_size) into out[*out_pos, out_size),
/// advancing both. Returns 0 when the stream has ended (*in_pos is then
/// just past it), 1 while it goes on, -1 on an error (*error names it).
int eb_codec_run(void *decoder, const uint8_t *in, size_t in_size, size_t *in_pos, uint8_t *out,
                 size_t out_size, size_t *out_pos, const char **error);

/// One LZO1X block (lzop's) or one LZ4 block (lz4 -l's): the decoded size,
/// or -1 for corrupt data or a missing library (*error says which).
long eb_lzo1x_block(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                    const char **error);
long eb_lz4_block(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size,
                  const char **error);

#endif
