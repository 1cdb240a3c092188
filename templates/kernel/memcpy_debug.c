// SPDX-License-Identifier: GPL-2.0
/*
 * The report of memcpy_debug(): one line that names the call site, then a stack trace.
 *
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 */
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>

#include "memcpy_debug.h"

#ifndef MEMCPY_DEBUG_DISABLE

void memcpy_debug_@TAG@_report(uintptr_t dst, uintptr_t src, size_t size,
			       const char *file, int line, const char *func)
{
	long delta = dst >= src ? (long)(dst - src) : -(long)(src - dst);
#if MEMCPY_DEBUG_ON_OVERLAP == MEMCPY_DEBUG_WARN
	/* Ten reports, then at most one every five seconds: an overlap in a hot path must not flood the log. */
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);

	if (!__ratelimit(&rs))
		return;
#endif
	pr_crit("memcpy overlap detected: dst=%px src=%px size=%zu delta=%ld at %s:%d in %s\n",
		(void *)dst, (void *)src, size, delta, file, line, func);
#if MEMCPY_DEBUG_ON_OVERLAP == MEMCPY_DEBUG_BUG
	BUG();
#else
	WARN_ON(1);
#endif
}

#endif /* MEMCPY_DEBUG_DISABLE */
