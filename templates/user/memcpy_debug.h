/*
 * memcpy_debug(): memcpy() with an overlap check that names its call site.
 *
 * memcpy-debug runtime: target=user tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it. Build with
 * -DMEMCPY_DEBUG_DISABLE to turn every memcpy_debug() back into plain memcpy().
 *
 * Everything is here: each object that calls memcpy_debug() carries its own check and report,
 * so nothing else has to be linked in, whichever program or library compiles it.
 *
 * A report is one line on stderr (appended to the file $MEMCPY_DEBUG_LOG names, when set: test
 * suites often hide stderr), then a backtrace where the C library has one:
 *   memcpy overlap detected: dst=<dst> src=<src> size=<n> delta=<dst - src> at <file>:<line> in <function>
 * delta > 0: the destination starts above the source (a forward copy reads bytes it has already
 * overwritten); delta < 0: below it; delta = 0: memcpy(p, p, n).
 */
#ifndef MEMCPY_DEBUG_H
#define MEMCPY_DEBUG_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What an overlap does; override with e.g. -DMEMCPY_DEBUG_ON_OVERLAP=MEMCPY_DEBUG_ABORT at build
 * time, or with MEMCPY_DEBUG_MODE=off|warn|warn-once|memmove|abort in the environment at run time.
 */
#define MEMCPY_DEBUG_WARN	0	/* report, then memcpy(): the bug happens as it would */
#define MEMCPY_DEBUG_WARN_ONCE	1	/* the same, the first overlap of each call site only */
#define MEMCPY_DEBUG_MEMMOVE	2	/* report, then copy as memmove(): the data stays right */
#define MEMCPY_DEBUG_ABORT	3	/* report, then abort() */
#ifndef MEMCPY_DEBUG_ON_OVERLAP
#define MEMCPY_DEBUG_ON_OVERLAP	MEMCPY_DEBUG_@ON_OVERLAP_MACRO@
#endif
/* memcpy(p, p, n) with n > 0: 1 reports it (memcpy's ranges must not overlap), 0 lets it pass. */
#ifndef MEMCPY_DEBUG_SAME_POINTER
#define MEMCPY_DEBUG_SAME_POINTER	@SAME_POINTER_VALUE@
#endif
/* Each call site reports its first MEMCPY_DEBUG_BURST overlaps, then the 100th, 1000th, ... */
#ifndef MEMCPY_DEBUG_BURST
#define MEMCPY_DEBUG_BURST	10
#endif
/*
 * 1: each call site counts its calls, for the site table. 0: it notes only that it ran (the
 * table says "-" for its calls): the count is a write to memory at every call, which in a loop
 * of small copies (lz4's decompressor) is a third of what the check costs.
 */
#ifndef MEMCPY_DEBUG_COUNT_CALLS
#define MEMCPY_DEBUG_COUNT_CALLS	1
#endif
/* How many call sites of one source file keep a count of their own. */
#ifndef MEMCPY_DEBUG_SITES
#define MEMCPY_DEBUG_SITES	64
#endif

#if defined(__GNUC__)
#define MEMCPY_DEBUG_MAYBE_INLINE __inline__
#elif defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define MEMCPY_DEBUG_MAYBE_INLINE inline
#else
#define MEMCPY_DEBUG_MAYBE_INLINE
#endif

#ifdef MEMCPY_DEBUG_DISABLE

#define memcpy_debug(d, s, n) memcpy(d, s, n)

#else

#if defined(__GLIBC__)
#include <execinfo.h>
#endif

/* Clean under C89 to C11 and C++, with -Wall -Wextra -pedantic: no long long, no C99-only syntax. */
/*
 * The report functions are not inlined, and not marked cold: a call to a cold function moves
 * the call site's unlikely branch into a local f.cold part that the backtrace cannot name, and
 * the caller in the report's "called from" would be lost.
 */
#if defined(__GNUC__)
#define MEMCPY_DEBUG_COLD __attribute__((noinline, unused))
#define MEMCPY_DEBUG_INLINE __inline__ __attribute__((always_inline))
#define MEMCPY_DEBUG_LIKELY_NOT(x) __builtin_expect(!!(x), 0)
#else
#define MEMCPY_DEBUG_COLD
#define MEMCPY_DEBUG_INLINE MEMCPY_DEBUG_MAYBE_INLINE
#define MEMCPY_DEBUG_LIKELY_NOT(x) (x)
#endif

/*
 * Counts an overlap at file:line and returns its number there (1 for the first). The counts
 * are this source file's own; each call site that overlapped takes one of its slots.
 */
static MEMCPY_DEBUG_COLD unsigned long memcpy_debug_count(const char *file, int line)
{
	static struct { const char *file; int line; unsigned long count; } sites[MEMCPY_DEBUG_SITES];
	static unsigned long others;
	static volatile int lock;
	unsigned long nth = 0;
	int i;

#if defined(__GNUC__)
	while (__sync_lock_test_and_set(&lock, 1))
		;
#endif
	for (i = 0; i < MEMCPY_DEBUG_SITES && nth == 0; i++) {
		if (sites[i].file == NULL) {
			sites[i].file = file;
			sites[i].line = line;
		}
		if (sites[i].line == line && strcmp(sites[i].file, file) == 0)
			nth = ++sites[i].count;
	}
	if (nth == 0)
		nth = ++others;
#if defined(__GNUC__)
	__sync_lock_release(&lock);
#endif
	(void)lock;
	return nth;
}

/*
 * The nth overlap of a call site: -1 when it is not reported, else how many overlaps there went
 * unreported since the last report.
 */
static MEMCPY_DEBUG_MAYBE_INLINE long memcpy_debug_unreported(unsigned long nth, int mode)
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
 * What an overlap does: $MEMCPY_DEBUG_MODE (off, warn, warn-once, memmove, abort) when set,
 * else MEMCPY_DEBUG_ON_OVERLAP; -1 for off. Read at the first overlap, once per object.
 */
static MEMCPY_DEBUG_COLD const char *memcpy_debug_mode_name(int mode)
{
	static const char *const names[] = { "warn", "warn-once", "memmove", "abort" };

	return mode < 0 ? "off" : names[mode];
}

static MEMCPY_DEBUG_COLD int memcpy_debug_mode(void)
{
	static int mode = -2;
	const char *env;
	int i;

	if (mode != -2)
		return mode;
	mode = MEMCPY_DEBUG_ON_OVERLAP;
	env = getenv("MEMCPY_DEBUG_MODE");
	if (env == NULL || env[0] == '\0')
		return mode;
	if (strcmp(env, "off") == 0)
		return mode = -1;
	for (i = 0; i < 4; i++)
		if (strcmp(env, memcpy_debug_mode_name(i)) == 0)
			return mode = i;
	fprintf(stderr, "memcpy_debug: MEMCPY_DEBUG_MODE=%s is not one of off, warn, warn-once, memmove, abort: %s it is\n",
		env, memcpy_debug_mode_name(mode));
	return mode;
}

/*
 * A call site's own record (GCC and Clang): linked into this object's table at its first call,
 * counting its calls and overlaps. With $MEMCPY_DEBUG_SITES set, the table is appended to that
 * file at exit, one line per site that ran: file:line function calls overlaps mode (the
 * kernel's debugfs memcpy_debug/sites, for user space). The calls are counted without a lock:
 * under threads, about right.
 */
struct memcpy_debug_site {
	const char *file;
	const char *func;
	int line;
	int linked;
	unsigned long calls;
	unsigned long overlaps;
	struct memcpy_debug_site *next;
};

#if defined(__GNUC__)
#include <unistd.h>

static struct memcpy_debug_site *memcpy_debug_ran;
static long memcpy_debug_pid;

static MEMCPY_DEBUG_COLD void memcpy_debug_write_sites(void)
{
	const char *path = getenv("MEMCPY_DEBUG_SITES");
	int mode = memcpy_debug_mode();
	struct memcpy_debug_site *s;
	FILE *to;

	/* A child forked without exec leaves the table to the process that made it. */
	if (path == NULL || path[0] == '\0' || (long)getpid() != memcpy_debug_pid)
		return;
	to = fopen(path, "a");
	if (to == NULL) {
		fprintf(stderr, "memcpy_debug: cannot open MEMCPY_DEBUG_SITES=%s (%s): no site table\n", path, strerror(errno));
		return;
	}
	for (s = memcpy_debug_ran; s != NULL; s = s->next) {
#if MEMCPY_DEBUG_COUNT_CALLS
		fprintf(to, "%s:%d %s %lu %lu %s\n", s->file, s->line, s->func, s->calls, s->overlaps, memcpy_debug_mode_name(mode));
#else
		fprintf(to, "%s:%d %s - %lu %s\n", s->file, s->line, s->func, s->overlaps, memcpy_debug_mode_name(mode));
#endif
	}
	fclose(to);
}

static MEMCPY_DEBUG_COLD void memcpy_debug_link(struct memcpy_debug_site *site)
{
	static int registered;
	struct memcpy_debug_site *head;

	if (__sync_lock_test_and_set(&site->linked, 1))
		return;
	do {
		head = memcpy_debug_ran;
		site->next = head;
	} while (!__sync_bool_compare_and_swap(&memcpy_debug_ran, head, site));
	if (!__sync_lock_test_and_set(&registered, 1)) {
		memcpy_debug_pid = (long)getpid();
		atexit(memcpy_debug_write_sites);
	}
}
#endif

/* Reports an overlap as its mode says; returns 1 when the copy is to be done as memmove(). */
static MEMCPY_DEBUG_COLD int memcpy_debug_report(uintptr_t dst, uintptr_t src, size_t size,
						 const char *file, int line, const char *func,
						 struct memcpy_debug_site *site)
{
	int mode = memcpy_debug_mode();
	unsigned long nth;
	long skipped;
	unsigned long distance = (unsigned long)(dst >= src ? dst - src : src - dst);
	const char *log;
	FILE *to = NULL;
	FILE *out = stderr;

	if (mode < 0)
		return 0;
#if defined(__GNUC__)
	nth = site != NULL ? __sync_add_and_fetch(&site->overlaps, 1) : memcpy_debug_count(file, line);
#else
	nth = memcpy_debug_count(file, line);
	(void)site;
#endif
	skipped = memcpy_debug_unreported(nth, mode);
	if (skipped >= 0) {
		log = getenv("MEMCPY_DEBUG_LOG");
		if (log != NULL && log[0] != '\0') {
			static int told;

			to = fopen(log, "a");
			if (to != NULL)
				out = to;
			else if (!told) {
				/* Said once, on stderr: a report must not vanish where nobody looks. */
				told = 1;
				fprintf(stderr, "memcpy_debug: cannot open MEMCPY_DEBUG_LOG=%s (%s): the reports go to stderr\n",
					log, strerror(errno));
			}
		}
		if (skipped > 0)
			fprintf(out, "memcpy overlap suppressed: %ld at %s:%d in %s since the last report; %lu overlaps there so far\n",
				skipped, file, line, func, nth);
		fprintf(out, "memcpy overlap detected: dst=%p src=%p size=%lu delta=%s%lu at %s:%d in %s\n",
			(void *)dst, (void *)src, (unsigned long)size, dst >= src ? "" : "-", distance, file, line, func);
#if defined(__GLIBC__)
		{
			void *frames[32];
			int i, n = backtrace(frames, 32);
			char **names = backtrace_symbols(frames, n);

			for (i = 0; names != NULL && i < n; i++)
				fprintf(out, "%s\n", names[i]);
			free(names);
		}
#endif
		/* After the last report before the rate limit holds them back: the counts are lower bounds. */
		if (mode == MEMCPY_DEBUG_WARN_ONCE ? nth == 1 : nth == MEMCPY_DEBUG_BURST)
			fprintf(out, "memcpy overlap reports held back: from now on %s at %s:%d in %s\n",
				mode == MEMCPY_DEBUG_WARN_ONCE ? "none (warn-once)" : "only the 100th, 1000th, ...",
				file, line, func);
		fflush(out);
		if (to != NULL)
			fclose(to);
		if (mode == MEMCPY_DEBUG_ABORT)
			abort();
	}
	return mode == MEMCPY_DEBUG_MEMMOVE;
}

/*
 * Checks and reports: 1 when the copy is to be done as memmove() (an overlap, in memmove mode).
 * Always inlined, so that the report's caller is the call site's function.
 */
static MEMCPY_DEBUG_INLINE int memcpy_debug_check(const void *dst, const void *src, size_t size,
					const char *file, int line, const char *func,
					struct memcpy_debug_site *site)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/*
	 * |d - s| < size as one unsigned comparison: d - s + size - 1 wraps to below 2 size - 1
	 * exactly then (for any size below half the address space, which every copy has). A copy
	 * that does not overlap pays a subtraction, a comparison and a branch.
	 */
	if (MEMCPY_DEBUG_LIKELY_NOT(size != 0 && d - s + (size - 1) < 2 * (uintptr_t)size - 1)
	    && (d != s || MEMCPY_DEBUG_SAME_POINTER))
		return memcpy_debug_report(d, s, size, file, line, func, site);
	return 0;
}

/* The function's name: C99's __func__, GNU C90's __FUNCTION__; strict C90 has none. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L || defined(__cplusplus)
#define MEMCPY_DEBUG_FUNC __func__
#elif defined(__GNUC__) && !defined(__STRICT_ANSI__)
#define MEMCPY_DEBUG_FUNC (__extension__ __FUNCTION__)
#else
#define MEMCPY_DEBUG_FUNC "?"
#endif

#if defined(__GNUC__)
/*
 * The copy is memcpy() itself, at the call site, so the compiler's own overlap warnings stay
 * there: -Wrestrict's "passing argument 1 to restrict-qualified parameter aliases with argument
 * 2" on memcpy_debug(p, p, n) (from the declaration below, named in an operand of sizeof that
 * is never evaluated), and its "memcpy accessing N bytes at offsets A and B overlaps" at -O2,
 * whose note names the line of the call ("in expansion of macro 'memcpy_debug'"). Each argument
 * is evaluated once. The declarations come before the statements (-Wdeclaration-after-statement),
 * the site's record in a block of its own, after the sizeof: so placed, gcc's warning names the
 * call's own line.
 */
extern int memcpy_debug_aliases(void *__restrict dst, const void *__restrict src);
#if MEMCPY_DEBUG_COUNT_CALLS
#define MEMCPY_DEBUG_FIRST_CALL(site) ((site).calls++ == 0)
#else
#define MEMCPY_DEBUG_FIRST_CALL(site) (!(site).linked)
#endif
#define memcpy_debug(d, s, n) (__extension__ ({ \
	void *memcpy_debug_d = (d); \
	const void *memcpy_debug_s = (s); \
	size_t memcpy_debug_n = (n); \
	int memcpy_debug_move; \
	(void)sizeof(memcpy_debug_aliases((d), (s))); \
	{ \
		static struct memcpy_debug_site memcpy_debug_site = { __FILE__, MEMCPY_DEBUG_FUNC, __LINE__, 0, 0, 0, 0 }; \
		if (MEMCPY_DEBUG_LIKELY_NOT(MEMCPY_DEBUG_FIRST_CALL(memcpy_debug_site))) \
			memcpy_debug_link(&memcpy_debug_site); \
		memcpy_debug_move = memcpy_debug_check(memcpy_debug_d, memcpy_debug_s, memcpy_debug_n, \
			__FILE__, __LINE__, MEMCPY_DEBUG_FUNC, &memcpy_debug_site); \
	} \
	memcpy_debug_move ? memmove(memcpy_debug_d, memcpy_debug_s, memcpy_debug_n) \
		: memcpy(memcpy_debug_d, memcpy_debug_s, memcpy_debug_n); }))
#else
static MEMCPY_DEBUG_INLINE void *memcpy_debug_at(void *dst, const void *src, size_t size,
					const char *file, int line, const char *func)
{
	return memcpy_debug_check(dst, src, size, file, line, func, NULL) ? memmove(dst, src, size) : memcpy(dst, src, size);
}
#define memcpy_debug(d, s, n) memcpy_debug_at((d), (s), (n), __FILE__, __LINE__, MEMCPY_DEBUG_FUNC)
#endif

#endif /* MEMCPY_DEBUG_DISABLE */

/* memcpy_debug used as a value (a function pointer) still copies, and checks. */
static MEMCPY_DEBUG_MAYBE_INLINE void *(memcpy_debug)(void *dst, const void *src, size_t size)
{
	return memcpy_debug(dst, src, size);
}

#endif /* MEMCPY_DEBUG_H */
