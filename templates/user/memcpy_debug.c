/*
 * The report of memcpy_debug(): one line on stderr that names the call site, then a backtrace
 * where the C library has one.
 *
 * memcpy-debug runtime: target=user tag=@TAG@ on-overlap=@ON_OVERLAP@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "memcpy_debug.h"

#ifndef MEMCPY_DEBUG_DISABLE

#if defined(__GLIBC__)
#include <execinfo.h>
#include <unistd.h>
#endif

void memcpy_debug_@TAG@_report(uintptr_t dst, uintptr_t src, size_t size,
			       const char *file, int line, const char *func)
{
	long long delta = dst >= src ? (long long)(dst - src) : -(long long)(src - dst);

	fprintf(stderr, "memcpy overlap detected: dst=%p src=%p size=%zu delta=%lld at %s:%d in %s\n",
		(void *)dst, (void *)src, size, delta, file, line, func);
#if defined(__GLIBC__)
	{
		void *frames[32];
		int n = backtrace(frames, 32);

		fflush(stderr);
		backtrace_symbols_fd(frames, n, STDERR_FILENO);
	}
#endif
	if (MEMCPY_DEBUG_ON_OVERLAP == MEMCPY_DEBUG_ABORT)
		abort();
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int memcpy_debug_@TAG@_disabled;

#endif /* MEMCPY_DEBUG_DISABLE */
