/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcpy_debug(): memcpy() with an overlap check that names its call site.
 *
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@@PLACEMENT@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
@SWITCH_DOC@ *
 * Everything is here: each call site checks, counts and reports by itself, so an object that
 * calls memcpy_debug() needs nothing else linked in, whatever module or image it ends up in.
 *
 * A report is one line, then the WARNING (or BUG) of the call site itself, with its stack:
 *   memcpy overlap detected: dst=<dst> src=<src> size=<n> delta=<dst - src> at <file>:<line> in <function>
 * delta > 0: the destination starts above the source (a forward copy reads bytes it has already
 * overwritten); delta < 0: below it; delta = 0: memcpy(p, p, n).
 */
#ifndef _MEMCPY_DEBUG_H
#define _MEMCPY_DEBUG_H
@SWITCH@
#if defined(MEMCPY_DEBUG_DISABLE) || defined(__ASSEMBLY__)

/* Plain memcpy(), called or used as a value; nothing else is pulled in. */
#define memcpy_debug memcpy

#else
@EARLY@
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/types.h>

/* What an overlap does; override with e.g. -DMEMCPY_DEBUG_ON_OVERLAP=MEMCPY_DEBUG_MEMMOVE. */
#define MEMCPY_DEBUG_WARN	0	/* report, then memcpy(): the bug happens as it would */
#define MEMCPY_DEBUG_WARN_ONCE	1	/* the same, the first overlap of each call site only */
#define MEMCPY_DEBUG_MEMMOVE	2	/* report, then copy as memmove(): the data stays right */
#define MEMCPY_DEBUG_BUG	3	/* report, then BUG() */
#ifndef MEMCPY_DEBUG_ON_OVERLAP
@ON_OVERLAP_SELECT@
#endif
/* memcpy(p, p, n) with n > 0: 1 reports it (memcpy's ranges must not overlap), 0 lets it pass. */
#ifndef MEMCPY_DEBUG_SAME_POINTER
#define MEMCPY_DEBUG_SAME_POINTER	@SAME_POINTER_VALUE@
#endif
/* Each call site reports its first MEMCPY_DEBUG_BURST overlaps, then the 100th, 1000th, ... */
#ifndef MEMCPY_DEBUG_BURST
#define MEMCPY_DEBUG_BURST	10
#endif

#ifdef MEMCPY_DEBUG_SITE_TABLE
/*
 * The kernel tree's runtime (CONFIG_MEMCPY_DEBUG): each call site has a descriptor of its own,
 * linked into lib/memcpy_debug.c's table at its first call. debugfs lists the table
 * (memcpy_debug/sites: file:line function calls overlaps mode, which also tells which sites
 * ran), and a query in dynamic_debug's words changes what an overlap does at the sites it
 * matches (memcpy_debug/control: "file fs/btrfs/extent_io.c line 100-200 func f mode memmove");
 * memcpy_debug= on the kernel command line sets it for all, memcpy_debug_same_pointer= whether
 * memcpy(p, p, n) is reported.
 */
#define MEMCPY_DEBUG_OFF	-1	/* no check: memcpy() */
#define MEMCPY_DEBUG_UNSET	-2	/* before the site's first call */
#define MEMCPY_DEBUG_BUSY	-3	/* being linked in, by another CPU */
struct memcpy_debug_site {
	const char *file;
	const char *func;
	unsigned int line;
	int mode;
	unsigned long calls;
	unsigned long overlaps;
	struct memcpy_debug_site *next;
};
extern int memcpy_debug_default_mode;
extern bool memcpy_debug_same_pointer;
/* Links a site in at its first call and returns its mode (lib/memcpy_debug.c). */
int memcpy_debug_register(struct memcpy_debug_site *site);
/* After a report: fails the KUnit test that is running, as KASAN and UBSAN do. */
void memcpy_debug_reported(const char *file, int line);
#undef MEMCPY_DEBUG_SAME_POINTER
#define MEMCPY_DEBUG_SAME_POINTER	READ_ONCE(memcpy_debug_same_pointer)
#define __memcpy_debug_after_report(file, line) memcpy_debug_reported(file, line)
#else
#define __memcpy_debug_after_report(file, line) do { } while (0)
#endif

/*
 * True when [d, d + size) and [s, s + size) share a byte. |d - s| < size is one unsigned
 * comparison: d - s + size - 1 wraps to below 2 size - 1 exactly then (for any size below half
 * the address space, which every copy has), so a copy that does not overlap pays a
 * subtraction, a comparison and a branch.
 */
static __always_inline bool memcpy_debug_overlaps(uintptr_t d, uintptr_t s, size_t size)
{
	return size != 0 && d - s + (size - 1) < 2 * size - 1 && (d != s || MEMCPY_DEBUG_SAME_POINTER);
}

/*
 * The nth overlap of a call site, in `mode`: -1 when it is not reported, else how many overlaps
 * there went unreported since the last report.
 */
static inline long memcpy_debug_unreported(unsigned long nth, int mode)
{
	unsigned long p = nth;

	if (mode == MEMCPY_DEBUG_WARN_ONCE)
		return nth == 1 ? 0 : -1;
	if (nth <= MEMCPY_DEBUG_BURST)
		return 0;
	while (p % 10 == 0)
		p /= 10;
	if (p != 1)
		return -1;
	return (long)(nth - 1 - (nth / 10 > MEMCPY_DEBUG_BURST ? nth / 10 : MEMCPY_DEBUG_BURST));
}

/*
 * After the last report before the rate limit holds them back, a line says so: the count a
 * report shows is then a lower bound.
 */
static inline __cold void memcpy_debug_held(unsigned long nth, int mode, const char *file, int line, const char *func)
{
	if (mode == MEMCPY_DEBUG_WARN_ONCE ? nth == 1 : nth == MEMCPY_DEBUG_BURST)
		pr_warn("memcpy overlap reports held back: from now on %s at %s:%d in %s\n",
			mode == MEMCPY_DEBUG_WARN_ONCE ? "none (warn-once)" : "only the 100th, 1000th, ...",
			file, line, func);
}

#define __memcpy_debug_fmt "memcpy overlap detected: dst=%px src=%px size=%zu delta=%ld at %s:%d in %s\n"
#define __memcpy_debug_args(d, s, n, file, line, func)				\
	(void *)(uintptr_t)(d), (void *)(uintptr_t)(s), (n),			\
	(long)((uintptr_t)(d) - (uintptr_t)(s)), file, line, func

/*
 * The report is expanded here, at the call site, so that the WARNING (or BUG) line, the RIP and
 * the stack trace name the function that called memcpy_debug(), not a helper. A WARNING taints
 * the kernel and panics it under panic_on_warn, as KASAN's reports do.
 */
#define __memcpy_debug_signal(d, s, n, mode, file, line, func) do {		\
	if ((mode) == MEMCPY_DEBUG_BUG) {					\
		pr_crit(__memcpy_debug_fmt, __memcpy_debug_args(d, s, n, file, line, func)); \
		BUG();								\
	} else {								\
		WARN(1, __memcpy_debug_fmt, __memcpy_debug_args(d, s, n, file, line, func)); \
	}									\
} while (0)

#define __memcpy_debug_report_in(d, s, n, nth, mode, file, line, func) do {	\
	unsigned long __memcpy_debug_nth = (nth);				\
	long __memcpy_debug_skipped = memcpy_debug_unreported(__memcpy_debug_nth, mode); \
	if (__memcpy_debug_skipped > 0)						\
		pr_warn("memcpy overlap suppressed: %ld at %s:%d in %s since the last report; %lu overlaps there so far\n", \
			__memcpy_debug_skipped, file, line, func, __memcpy_debug_nth); \
	if (__memcpy_debug_skipped >= 0) {					\
		__memcpy_debug_signal(d, s, n, mode, file, line, func);		\
		memcpy_debug_held(__memcpy_debug_nth, mode, file, line, func);	\
		__memcpy_debug_after_report(file, line);			\
	}									\
} while (0)
#define __memcpy_debug_report_at(d, s, n, nth, file, line, func)		\
	__memcpy_debug_report_in(d, s, n, nth, MEMCPY_DEBUG_ON_OVERLAP, file, line, func)
#define __memcpy_debug_report(d, s, n, nth)					\
	__memcpy_debug_report_at(d, s, n, nth, __FILE__, __LINE__, __func__)

#define __memcpy_debug_copy_in(d, s, n, overlap, mode)				\
	((overlap) && (mode) == MEMCPY_DEBUG_MEMMOVE ? memmove(d, s, n) : memcpy(d, s, n))
#define __memcpy_debug_copy(d, s, n, overlap)					\
	__memcpy_debug_copy_in(d, s, n, overlap, MEMCPY_DEBUG_ON_OVERLAP)

/*
 * Each argument is evaluated once; memcpy() is then called here, at the call site, so that
 * FORTIFY_SOURCE still sees the sizes of the objects. The count is the call site's own.
 */
@EARLY_END@#define memcpy_debug(d, s, n)							\
	__memcpy_debug(d, s, n, __UNIQUE_ID(mcd_d), __UNIQUE_ID(mcd_s),	\
		       __UNIQUE_ID(mcd_n), __UNIQUE_ID(mcd_o))
#ifdef MEMCPY_DEBUG_SITE_TABLE
#define __memcpy_debug(d, s, n, ud, us, un, uo) ({				\
	static struct memcpy_debug_site __memcpy_debug_site = {		\
		__FILE__, __func__, __LINE__, MEMCPY_DEBUG_UNSET };		\
	__auto_type ud = (d);							\
	__auto_type us = (s);							\
	size_t un = (n);							\
	int __memcpy_debug_mode = READ_ONCE(__memcpy_debug_site.mode);		\
	bool uo;								\
	if (unlikely(__memcpy_debug_mode < MEMCPY_DEBUG_OFF))			\
		__memcpy_debug_mode = memcpy_debug_register(&__memcpy_debug_site); \
	data_race(__memcpy_debug_site.calls++);					\
	uo = __memcpy_debug_mode != MEMCPY_DEBUG_OFF &&				\
		unlikely(memcpy_debug_overlaps((uintptr_t)ud, (uintptr_t)us, un)); \
	if (uo)									\
		__memcpy_debug_report_in(ud, us, un,				\
			__atomic_add_fetch(&__memcpy_debug_site.overlaps, 1, __ATOMIC_RELAXED), \
			__memcpy_debug_mode, __FILE__, __LINE__, __func__);	\
	__memcpy_debug_copy_in(ud, us, un, uo, __memcpy_debug_mode);		\
})
#else
#define __memcpy_debug(d, s, n, ud, us, un, uo) ({				\
	__auto_type ud = (d);							\
	__auto_type us = (s);							\
	size_t un = (n);							\
	bool uo = unlikely(memcpy_debug_overlaps((uintptr_t)ud, (uintptr_t)us, un)); \
	if (uo) {								\
		static unsigned long __memcpy_debug_count;			\
		__memcpy_debug_report(ud, us, un,				\
			__atomic_add_fetch(&__memcpy_debug_count, 1, __ATOMIC_RELAXED)); \
	}									\
	__memcpy_debug_copy(ud, us, un, uo);					\
})
#endif

/* memcpy_debug used as a value (a function pointer) still copies, and checks. */
static inline void *(memcpy_debug)(void *dst, const void *src, size_t size)
{
	return memcpy_debug(dst, src, size);
}

#endif /* MEMCPY_DEBUG_DISABLE */

#endif /* _MEMCPY_DEBUG_H */
