// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@ placement=kernel-tree
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 *
 * The checks live in <linux/memcpy_debug.h>, at each call site. This file says at boot that
 * they are on, and how, so that a log shows whether the kernel that ran had them:
 *   memcpy_debug: overlap checks on: on-overlap=warn same-pointer=report
 * and checks the few calls made by headers that <linux/memcpy_debug.h> itself includes.
 */
#include <linux/export.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <linux/memcpy_debug.h>

static int __init memcpy_debug_announce(void)
{
	static const char *const modes[] = { "warn", "warn-once", "memmove", "bug" };

	pr_info("memcpy_debug: overlap checks on: on-overlap=%s same-pointer=%s\n",
		modes[MEMCPY_DEBUG_ON_OVERLAP], MEMCPY_DEBUG_SAME_POINTER ? "report" : "ignore");
	return 0;
}
early_initcall(memcpy_debug_announce);

/*
 * memcpy_debug() called by a header that <linux/memcpy_debug.h> itself includes, before it is
 * complete (<linux/string.h>): the same check and report, out of line.
 */
void *__memcpy_debug_early(void *dst, const void *src, size_t size, const char *file, int line, const char *func)
{
	static unsigned long count;
	bool overlap = memcpy_debug_overlaps((uintptr_t)dst, (uintptr_t)src, size);

	if (unlikely(overlap))
		__memcpy_debug_report_at(dst, src, size, __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED), file, line, func);
	return __memcpy_debug_copy(dst, src, size, overlap);
}
EXPORT_SYMBOL(__memcpy_debug_early);
