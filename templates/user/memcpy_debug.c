/*
 * memcpy-debug runtime: target=user tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 *
 * The checks and reports live in memcpy_debug.h, in each object that calls memcpy_debug():
 * nothing needs this file to link. Built in, it marks the binary as instrumented, so that
 * "strings <binary> | grep memcpy-debug" says how.
 */
#include "memcpy_debug.h"

#if defined(__GNUC__)
__attribute__((used)) static const char memcpy_debug_@TAG@_info[] =
	"memcpy-debug runtime: on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@";
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int memcpy_debug_@TAG@_info;
#endif
