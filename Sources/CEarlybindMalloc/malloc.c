// SPDX-License-Identifier: Apache-2.0
// malloc and its family for the static initramfs binder only (Package.swift
// adds this target when EMBEDDED is set): they replace musl's, for the
// binder's Swift code, libkmod and libc alike, with the arena of
// Sources/CEarlybindSys/arena.c. Normal builds and the tests keep the C
// library's malloc.

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "CEarlybindSys.h"

void *malloc(size_t size) { return eb_arena_alloc(size, 16); }

void free(void *pointer) { eb_arena_free(pointer); }

// Fresh arena memory is zero: nothing is handed out twice.
void *calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return eb_arena_alloc(count * size, 16);
}

void *realloc(void *pointer, size_t size) { return eb_arena_realloc(pointer, size); }

void *aligned_alloc(size_t alignment, size_t size) { return eb_arena_alloc(size, alignment); }

void *memalign(size_t alignment, size_t size) { return eb_arena_alloc(size, alignment); }

int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1))) return EINVAL;
  void *pointer = eb_arena_alloc(size, alignment);
  if (!pointer) return ENOMEM;
  *result = pointer;
  return 0;
}

size_t malloc_usable_size(void *pointer) { return eb_arena_usable_size(pointer); }
