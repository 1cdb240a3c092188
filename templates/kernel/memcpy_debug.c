// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 *
 * The checks and reports live in memcpy_debug.h, at each call site: nothing needs this file to
 * link. It marks the module as instrumented, so that "modinfo <module>" shows how:
 *   memcpy_debug:   on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@
 */
#include <linux/module.h>

#include "memcpy_debug.h"

#ifdef MEMCPY_DEBUG_DISABLE
MODULE_INFO(memcpy_debug, "disabled");
#else
MODULE_INFO(memcpy_debug, "on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@");
#endif
