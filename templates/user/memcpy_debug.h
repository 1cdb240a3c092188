/*
 * memcpy_debug(): memcpy() with an overlap check that names its call site.
 *
 * memcpy-debug runtime: target=user tag=@TAG@ on-overlap=@ON_OVERLAP@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it. Build with
 * -DMEMCPY_DEBUG_DISABLE to turn every memcpy_debug() back into plain memcpy().
 */
#ifndef MEMCPY_DEBUG_H
#define MEMCPY_DEBUG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What an overlap does; override with -DMEMCPY_DEBUG_ON_OVERLAP=MEMCPY_DEBUG_ABORT. */
#define MEMCPY_DEBUG_WARN	0	/* report on stderr, then copy as memcpy would */
#define MEMCPY_DEBUG_ABORT	1	/* report on stderr, then abort() */
#ifndef MEMCPY_DEBUG_ON_OVERLAP
#define MEMCPY_DEBUG_ON_OVERLAP	MEMCPY_DEBUG_@ON_OVERLAP_MACRO@
#endif

#ifdef MEMCPY_DEBUG_DISABLE

#define memcpy_debug(d, s, n) memcpy(d, s, n)

#else

/*
 * The name carries a tag so that two instrumented libraries link into one program. The
 * addresses go as numbers: only they are reported, the memory behind them is never read.
 */
void memcpy_debug_@TAG@_report(uintptr_t dst, uintptr_t src, size_t size,
			       const char *file, int line, const char *func);

static __inline__ void *memcpy_debug_@TAG@_at(void *dst, const void *src, size_t size,
					      const char *file, int line, const char *func)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* The ranges share a byte; dst == src counts, size == 0 never does. */
	if (size != 0 && (d < s ? s - d : d - s) < size)
		memcpy_debug_@TAG@_report(d, s, size, file, line, func);
	return memcpy(dst, src, size);
}

#define memcpy_debug(d, s, n) memcpy_debug_@TAG@_at((d), (s), (n), __FILE__, __LINE__, __func__)

#endif /* MEMCPY_DEBUG_DISABLE */

/* memcpy_debug used as a value (a function pointer) still copies, and checks. */
static __inline__ void *(memcpy_debug)(void *dst, const void *src, size_t size)
{
	return memcpy_debug(dst, src, size);
}

#endif /* MEMCPY_DEBUG_H */
