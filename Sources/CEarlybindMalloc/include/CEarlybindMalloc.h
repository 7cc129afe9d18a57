// SPDX-License-Identifier: Apache-2.0
// Nothing to import: this target only defines malloc and its family for
// the static binder (see malloc.c).
