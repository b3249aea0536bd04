/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * dmabufkit.h: the C API of the dmabufkit allocator library.
 *
 * Build with `pkg-config --cflags --libs dmabufkit-1.0`.
 */
#pragma once

#include <dmabufkit/dbk_allocator.h>
#include <dmabufkit/dbk_buffer_pool.h>
#include <dmabufkit/dbk_constraints.h>
#include <dmabufkit/dbk_fence_wait.h>
