// SPDX-License-Identifier: Apache-2.0
#ifndef CEARLYBINDZSTD_H
#define CEARLYBINDZSTD_H

// zstd decompression for the host tool, from the libzstd.so.1 already in
// the process (libkmod links it on Debian, Arch and Fedora), loaded with
// dlopen: no link dependency and no headers at build time. The few calls
// used are part of zstd's stable API.

#include <stddef.h>

/// 1 when libzstd.so.1 and its calls were found, else 0.
int eb_zstd_available(void);

/// A decompression context, or NULL.
void *eb_zstd_create(void);
void eb_zstd_free(void *context);

/// ZSTD_decompressStream from in[*in_pos, in_size) into out[*out_pos,
/// out_size), advancing both positions. Returns 0 when a frame has just
/// been completed, 1 while one is in progress, -1 on an error (its name
/// in *error).
int eb_zstd_decompress(void *context, const void *in, size_t in_size, size_t *in_pos, void *out,
                       size_t out_size, size_t *out_pos, const char **error);

/// The input size libzstd reads best with.
size_t eb_zstd_input_size(void);

#endif
