// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy-debug runtime: target=kernel tag=@TAG@ on-overlap=@ON_OVERLAP@ same-pointer=@SAME_POINTER@ placement=kernel-tree
 * Added by memcpy-debug; 'memcpy-debug revert' removes it.
 *
 * The checks live in <linux/memcpy_debug.h>, at each call site. This file says at boot that
 * they are on, and how, so that a log shows whether the kernel that ran had them:
 *   memcpy_debug: overlap checks on: on-overlap=warn same-pointer=report
 * keeps the table of the call sites that have run, with what an overlap does at each, and
 * shows it in debugfs, as dynamic_debug does for pr_debug():
 *   /sys/kernel/debug/memcpy_debug/sites    file:line function calls overlaps mode
 *   /sys/kernel/debug/memcpy_debug/control  echo 'file fs/btrfs/extent_io.c line 100-200 mode memmove' > control
 * Modes: off, warn, warn-once, memmove, bug. On the command line, memcpy_debug=MODE sets the
 * mode of every site, memcpy_debug_same_pointer=report|ignore what memcpy(p, p, n) does.
 * It also checks the few calls made by headers that <linux/memcpy_debug.h> itself includes.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/parser.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/test-bug.h>
#include <linux/memcpy_debug.h>

static const char *const memcpy_debug_modes[] = { "warn", "warn-once", "memmove", "bug" };

int memcpy_debug_default_mode = MEMCPY_DEBUG_ON_OVERLAP;
EXPORT_SYMBOL(memcpy_debug_default_mode);
bool memcpy_debug_same_pointer = IS_ENABLED(CONFIG_MEMCPY_DEBUG_SAME_POINTER);
EXPORT_SYMBOL(memcpy_debug_same_pointer);

static const char *mode_name(int mode)
{
	return mode == MEMCPY_DEBUG_OFF ? "off" : mode >= 0 && mode < (int)ARRAY_SIZE(memcpy_debug_modes) ? memcpy_debug_modes[mode] : "?";
}

/* A mode's number from its name, or MEMCPY_DEBUG_UNSET. */
static int mode_of(const char *name)
{
	int i;

	if (!strcmp(name, "off"))
		return MEMCPY_DEBUG_OFF;
	for (i = 0; i < (int)ARRAY_SIZE(memcpy_debug_modes); i++)
		if (!strcmp(name, memcpy_debug_modes[i]))
			return i;
	return MEMCPY_DEBUG_UNSET;
}

/*
 * The control queries, in the order given; the last that matches a site sets its mode. Only
 * appended (under memcpy_debug_lock), and read without a lock at a site's first call: each
 * is complete before the count that shows it.
 */
struct memcpy_debug_rule {
	char file[128];
	char func[64];
	unsigned int first, last;
	int mode;
};
#define MEMCPY_DEBUG_RULES 32
static struct memcpy_debug_rule rules[MEMCPY_DEBUG_RULES];
static int nrules;
/* Set by memcpy_debug= on the command line: the mode of every site the rules leave. */
static bool mode_given;

/* The sites that have run, newest first: pushed at a site's first call, from any context. */
static struct memcpy_debug_site *sites;
/* Held to walk the table, to apply a query, and to take a module's sites out. */
static DEFINE_MUTEX(memcpy_debug_lock);

static bool rule_matches(const struct memcpy_debug_rule *r, const struct memcpy_debug_site *s)
{
	return (!r->file[0] || match_wildcard(r->file, s->file) || match_wildcard(r->file, kbasename(s->file))) &&
	       (!r->func[0] || match_wildcard(r->func, s->func)) &&
	       (!r->first || (s->line >= r->first && s->line <= r->last));
}

static int mode_for(const struct memcpy_debug_site *s)
{
	int i, n = smp_load_acquire(&nrules), mode = READ_ONCE(memcpy_debug_default_mode);

	for (i = 0; i < n; i++)
		if (rule_matches(&rules[i], s))
			mode = rules[i].mode;
	return mode;
}

int memcpy_debug_register(struct memcpy_debug_site *site)
{
	struct memcpy_debug_site *head;
	int mode;

	/* One CPU links a site in; another meanwhile copies in the default mode. */
	if (cmpxchg(&site->mode, MEMCPY_DEBUG_UNSET, MEMCPY_DEBUG_BUSY) != MEMCPY_DEBUG_UNSET)
		return READ_ONCE(memcpy_debug_default_mode);
	mode = mode_for(site);
	do {
		head = READ_ONCE(sites);
		site->next = head;
	} while (cmpxchg(&sites, head, site) != head);
	WRITE_ONCE(site->mode, mode);
	return mode;
}
EXPORT_SYMBOL(memcpy_debug_register);

void memcpy_debug_reported(const char *file, int line)
{
	kunit_fail_current_test("memcpy overlap at %s:%d", file, line);
}
EXPORT_SYMBOL(memcpy_debug_reported);

static int __init __maybe_unused memcpy_debug_setup(char *arg)
{
	int mode = arg ? mode_of(arg) : MEMCPY_DEBUG_UNSET;

	if (mode == MEMCPY_DEBUG_UNSET) {
		pr_err("memcpy_debug: memcpy_debug=%s is not one of off, warn, warn-once, memmove, bug\n", arg ?: "");
		return -EINVAL;
	}
	WRITE_ONCE(memcpy_debug_default_mode, mode);
	mode_given = true;
	return 0;
}

static int __init __maybe_unused memcpy_debug_same_pointer_setup(char *arg)
{
	if (!arg || (strcmp(arg, "report") && strcmp(arg, "ignore"))) {
		pr_err("memcpy_debug: memcpy_debug_same_pointer=%s is not report or ignore\n", arg ?: "");
		return -EINVAL;
	}
	WRITE_ONCE(memcpy_debug_same_pointer, !strcmp(arg, "report"));
	return 0;
}

static int __init memcpy_debug_announce(void)
{
	struct memcpy_debug_site *s;

	/* Sites that ran before the command line was read take its mode now. */
	if (mode_given)
		for (s = READ_ONCE(sites); s; s = READ_ONCE(s->next))
			WRITE_ONCE(s->mode, mode_for(s));
	pr_info("memcpy_debug: overlap checks on: on-overlap=%s same-pointer=%s\n",
		mode_name(READ_ONCE(memcpy_debug_default_mode)), READ_ONCE(memcpy_debug_same_pointer) ? "report" : "ignore");
	return 0;
}

static int sites_show(struct seq_file *m, void *v)
{
	struct memcpy_debug_site *s;

	mutex_lock(&memcpy_debug_lock);
	for (s = READ_ONCE(sites); s; s = READ_ONCE(s->next))
		seq_printf(m, "%s:%u %s %lu %lu %s\n", s->file, s->line, s->func,
			   data_race(s->calls), READ_ONCE(s->overlaps), mode_name(READ_ONCE(s->mode)));
	mutex_unlock(&memcpy_debug_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sites);

static int control_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&memcpy_debug_lock);
	seq_printf(m, "# default mode %s; queries, the last that matches a site wins:\n", mode_name(READ_ONCE(memcpy_debug_default_mode)));
	for (i = 0; i < nrules; i++) {
		const struct memcpy_debug_rule *r = &rules[i];

		if (r->file[0])
			seq_printf(m, "file %s ", r->file);
		if (r->func[0])
			seq_printf(m, "func %s ", r->func);
		if (r->first)
			seq_printf(m, "line %u-%u ", r->first, r->last);
		seq_printf(m, "mode %s\n", mode_name(r->mode));
	}
	mutex_unlock(&memcpy_debug_lock);
	return 0;
}

/* One query: "[file GLOB] [func GLOB] [line N[-M]] mode MODE", or a mode alone for every site. */
static int parse_rule(char *q, struct memcpy_debug_rule *r)
{
	char *word, *value;
	bool moded = false;

	memset(r, 0, sizeof(*r));
	while ((word = strsep(&q, " \t\n")) != NULL) {
		if (!*word)
			continue;
		if (!strcmp(word, "file") || !strcmp(word, "func") || !strcmp(word, "line") || !strcmp(word, "mode")) {
			do
				value = strsep(&q, " \t\n");
			while (value && !*value);
			if (!value)
				return -EINVAL;
		} else {
			value = word;
			word = "mode";
		}
		if (!strcmp(word, "file")) {
			if (strscpy(r->file, value, sizeof(r->file)) < 0)
				return -E2BIG;
		} else if (!strcmp(word, "func")) {
			if (strscpy(r->func, value, sizeof(r->func)) < 0)
				return -E2BIG;
		} else if (!strcmp(word, "line")) {
			char *dash = strchr(value, '-');

			if (dash)
				*dash++ = '\0';
			if (kstrtouint(value, 10, &r->first) || !r->first)
				return -EINVAL;
			r->last = r->first;
			if (dash && (kstrtouint(dash, 10, &r->last) || r->last < r->first))
				return -EINVAL;
		} else {
			r->mode = mode_of(value);
			if (r->mode == MEMCPY_DEBUG_UNSET)
				return -EINVAL;
			moded = true;
		}
	}
	return moded ? 0 : -EINVAL;
}

static ssize_t control_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	struct memcpy_debug_rule r;
	struct memcpy_debug_site *s;
	char *q;
	int err, changed = 0;

	if (len > 511)
		return -E2BIG;
	q = memdup_user_nul(buf, len);
	if (IS_ERR(q))
		return PTR_ERR(q);
	err = parse_rule(q, &r);
	kfree(q);
	if (err) {
		pr_err("memcpy_debug: control: not a query: [file GLOB] [func GLOB] [line N[-M]] mode off|warn|warn-once|memmove|bug\n");
		return err;
	}
	mutex_lock(&memcpy_debug_lock);
	if (nrules == MEMCPY_DEBUG_RULES) {
		mutex_unlock(&memcpy_debug_lock);
		return -ENOSPC;
	}
	rules[nrules] = r;
	smp_store_release(&nrules, nrules + 1);
	for (s = READ_ONCE(sites); s; s = READ_ONCE(s->next)) {
		if (rule_matches(&r, s)) {
			WRITE_ONCE(s->mode, r.mode);
			changed++;
		}
	}
	mutex_unlock(&memcpy_debug_lock);
	pr_info("memcpy_debug: control: %d site%s that ran set to %s, and those that match when they first run\n",
		changed, changed == 1 ? "" : "s", mode_name(r.mode));
	return len;
}

static int control_open(struct inode *inode, struct file *file)
{
	return single_open(file, control_show, NULL);
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = control_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = control_write,
};

#ifdef CONFIG_MODULES
/* A module's sites go with it. */
static int memcpy_debug_module_going(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	struct memcpy_debug_site **prev, *s;

	if (state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&memcpy_debug_lock);
	prev = &sites;
	while ((s = READ_ONCE(*prev)) != NULL) {
		if (!within_module((unsigned long)s, mod)) {
			prev = &s->next;
			continue;
		}
		/* The head may have been pushed meanwhile: then look again from it. */
		if (prev == &sites) {
			if (cmpxchg(&sites, s, s->next) != s)
				continue;
		} else {
			WRITE_ONCE(*prev, s->next);
		}
	}
	mutex_unlock(&memcpy_debug_lock);
	return NOTIFY_DONE;
}

static struct notifier_block memcpy_debug_module_nb = {
	.notifier_call = memcpy_debug_module_going,
};
#endif

static int __init memcpy_debug_debugfs(void)
{
	struct dentry *dir = debugfs_create_dir("memcpy_debug", NULL);

	debugfs_create_file("sites", 0444, dir, NULL, &sites_fops);
	debugfs_create_file("control", 0644, dir, NULL, &control_fops);
#ifdef CONFIG_MODULES
	return register_module_notifier(&memcpy_debug_module_nb);
#else
	return 0;
#endif
}

#ifndef MODULE
early_param("memcpy_debug", memcpy_debug_setup);
early_param("memcpy_debug_same_pointer", memcpy_debug_same_pointer_setup);
early_initcall(memcpy_debug_announce);
late_initcall(memcpy_debug_debugfs);
#else
/* Built in a module (to check that it compiles outside a tree): one init does both. */
static int __init memcpy_debug_module_init(void)
{
	memcpy_debug_announce();
	return memcpy_debug_debugfs();
}
module_init(memcpy_debug_module_init);
#endif

/*
 * memcpy_debug() called by a header that <linux/memcpy_debug.h> itself includes, before it is
 * complete (<linux/string.h>): the same check and report, out of line, in the default mode.
 */
void *__memcpy_debug_early(void *dst, const void *src, size_t size, const char *file, int line, const char *func)
{
	static unsigned long count;
	int mode = READ_ONCE(memcpy_debug_default_mode);
	bool overlap = mode != MEMCPY_DEBUG_OFF && memcpy_debug_overlaps((uintptr_t)dst, (uintptr_t)src, size);

	if (unlikely(overlap))
		__memcpy_debug_report_in(dst, src, size, __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED), mode, file, line, func);
	return __memcpy_debug_copy_in(dst, src, size, overlap, mode);
}
EXPORT_SYMBOL(__memcpy_debug_early);
