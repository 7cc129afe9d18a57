// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE  // mremap
// The allocator of the static initramfs binder (see Sources/CEarlybindMalloc).
//
// earlybind-init lives for a millisecond and frees almost nothing it would
// reuse, while musl's malloc spends a good part of the binder's own time
// on size classes and free lists. So: small blocks are cut from 1 MiB
// regions one after the other and never reused; a block of 64 KiB or more
// gets its own mapping, which realloc grows with mremap (libkmod grows its
// buffer for an .xz module in small steps) and free unmaps. Memory mapped
// fresh is zero, and nothing is handed out twice, so calloc needs no memset.
// Single-threaded, like the binder.

#include "CEarlybindSys.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { region_size = 1 << 20, large_size = 64 << 10, minimum_alignment = 16 };

// In front of every block: its size and, for a block with its own mapping,
// the mapping's length (0 for a small block).
struct eb_block {
  size_t size;
  size_t mapped;
};

static char *next_free;
static char *region_end;

static void *map(size_t length) {
  void *memory = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return memory == MAP_FAILED ? NULL : memory;
}

static size_t page_round(size_t length) { return (length + 4095) & ~(size_t)4095; }

static void *alloc_large(size_t size) {
  if (size > SIZE_MAX - 4096 - sizeof(struct eb_block)) return NULL;
  size_t length = page_round(size + sizeof(struct eb_block));
  struct eb_block *block = map(length);
  if (!block) return NULL;
  block->size = size;
  block->mapped = length;
  return block + 1;
}

void *eb_arena_alloc(size_t size, size_t alignment) {
  if (size == 0) size = 1;
  if (alignment < minimum_alignment) alignment = minimum_alignment;
  if (alignment & (alignment - 1)) {
    errno = EINVAL;
    return NULL;
  }
  // Page-aligned mappings serve large blocks with alignment up to 16.
  if (size >= large_size && alignment == minimum_alignment) {
    void *block = alloc_large(size);
    if (!block) errno = ENOMEM;
    return block;
  }
  if (size > SIZE_MAX / 2 || alignment > region_size / 2) {
    errno = ENOMEM;
    return NULL;
  }
  for (;;) {
    uintptr_t start = ((uintptr_t)next_free + sizeof(struct eb_block) + alignment - 1) &
                      ~(uintptr_t)(alignment - 1);
    if (next_free && start + size <= (uintptr_t)region_end) {
      struct eb_block *block = (struct eb_block *)start - 1;
      block->size = size;
      block->mapped = 0;
      next_free = (char *)(start + size);
      return (void *)start;
    }
    size_t want = size + alignment + sizeof(struct eb_block);
    if (want < region_size) want = region_size;
    char *region = map(page_round(want));
    if (!region) {
      errno = ENOMEM;
      return NULL;
    }
    next_free = region;
    region_end = region + page_round(want);
  }
}

void eb_arena_free(void *pointer) {
  if (!pointer) return;
  struct eb_block *block = (struct eb_block *)pointer - 1;
  if (block->mapped) munmap(block, block->mapped);
}

void *eb_arena_realloc(void *pointer, size_t size) {
  if (!pointer) return eb_arena_alloc(size, minimum_alignment);
  struct eb_block *block = (struct eb_block *)pointer - 1;
  if (size <= block->size) {
    if (block->mapped == 0) block->size = size;
    return pointer;
  }
  if (block->mapped && size <= SIZE_MAX - 4096 - sizeof(struct eb_block)) {
    size_t length = page_round(size + sizeof(struct eb_block));
    struct eb_block *moved = mremap(block, block->mapped, length, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED) {
      errno = ENOMEM;
      return NULL;
    }
    moved->size = size;
    moved->mapped = length;
    return moved + 1;
  }
  void *copy = eb_arena_alloc(size, minimum_alignment);
  if (!copy) return NULL;
  memcpy(copy, pointer, block->size);
  eb_arena_free(pointer);
  return copy;
}

size_t eb_arena_usable_size(void *pointer) {
  return pointer ? ((struct eb_block *)pointer - 1)->size : 0;
}
