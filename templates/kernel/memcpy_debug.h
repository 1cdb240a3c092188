/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcpy_debug(): memcpy() with an overlap check that names its call site.
 *
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it. Build with
 * -DMEMCPY_DEBUG_DISABLE to turn every memcpy_debug() back into plain memcpy().
 */
#ifndef _MEMCPY_DEBUG_H
#define _MEMCPY_DEBUG_H

#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/types.h>

/* What an overlap does; override with -DMEMCPY_DEBUG_ON_OVERLAP=MEMCPY_DEBUG_BUG. */
#define MEMCPY_DEBUG_WARN	0	/* printk + stack trace, rate-limited */
#define MEMCPY_DEBUG_WARN_ONCE	1	/* printk + stack trace, once per call site */
#define MEMCPY_DEBUG_BUG	2	/* printk, then BUG() */
#ifndef MEMCPY_DEBUG_ON_OVERLAP
#define MEMCPY_DEBUG_ON_OVERLAP	MEMCPY_DEBUG_@ON_OVERLAP_MACRO@
#endif

#ifdef MEMCPY_DEBUG_DISABLE

#define memcpy_debug(d, s, n) memcpy(d, s, n)

#else

/*
 * The name carries the module's tag so that two instrumented modules link into one image. The
 * addresses go as numbers: only they are reported, the memory behind them is never read.
 */
void memcpy_debug_@TAG@_report(uintptr_t dst, uintptr_t src, size_t size,
			       const char *file, int line, const char *func);

/* True when [dst, dst + size) and [src, src + size) share a byte; dst == src counts. */
static __always_inline bool memcpy_debug_overlaps(uintptr_t d, uintptr_t s, size_t size)
{
	return size != 0 && (d < s ? s - d : d - s) < size;
}

#if MEMCPY_DEBUG_ON_OVERLAP == MEMCPY_DEBUG_WARN_ONCE
#define __memcpy_debug_report(d, s, n) do {					\
	static bool __memcpy_debug_done;					\
	if (!__memcpy_debug_done) {						\
		__memcpy_debug_done = true;					\
		memcpy_debug_@TAG@_report((uintptr_t)(d), (uintptr_t)(s), n, __FILE__, __LINE__, __func__); \
	}									\
} while (0)
#else
#define __memcpy_debug_report(d, s, n)						\
	memcpy_debug_@TAG@_report((uintptr_t)(d), (uintptr_t)(s), n, __FILE__, __LINE__, __func__)
#endif

/*
 * Each argument is evaluated once; memcpy() is then called here, at the call site, so that
 * FORTIFY_SOURCE still sees the sizes of the objects.
 */
#define memcpy_debug(d, s, n)							\
	__memcpy_debug(d, s, n, __UNIQUE_ID(mcd_d), __UNIQUE_ID(mcd_s), __UNIQUE_ID(mcd_n))
#define __memcpy_debug(d, s, n, ud, us, un) ({					\
	__auto_type ud = (d);							\
	__auto_type us = (s);							\
	size_t un = (n);							\
	if (unlikely(memcpy_debug_overlaps((uintptr_t)ud, (uintptr_t)us, un)))	\
		__memcpy_debug_report(ud, us, un);				\
	memcpy(ud, us, un);							\
})

#endif /* MEMCPY_DEBUG_DISABLE */

/* memcpy_debug used as a value (a function pointer) still copies, and checks. */
static inline void *(memcpy_debug)(void *dst, const void *src, size_t size)
{
	return memcpy_debug(dst, src, size);
}

#endif /* _MEMCPY_DEBUG_H */
