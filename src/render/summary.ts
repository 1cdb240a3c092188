// The human summary of a run, for stderr. Says what was done, what was left alone and why,
// and how to undo it.
import { LEAVE_DESCRIPTIONS, type LeaveKind, type SiteKind } from '../core/c/find-sites.js';
import { MANIFEST_PATH } from '../core/manifest.js';
import type { InstrumentReport, RevertReport, RevertStatus } from '../core/report.js';
import { EXCLUSION_DESCRIPTIONS } from '../core/kernel/exclusions.js';
import { list } from '../core/build/plan-kbuild.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How many of a kind, in words: [one, many]. */
const RENAME_WORDS: Partial<Record<SiteKind, readonly [string, string]>> = {
  call: ['call', 'calls'],
  'macro-call': ['in a macro body', 'in macro bodies'],
  'unparsed-call': ['in code the parser could not follow, by tokens', 'in code the parser could not follow, by tokens'],
  alias: ['alias (#define x memcpy)', 'aliases (#define x memcpy)'],
  'builtin-alias': ['alias of __builtin_memcpy (#define x(d, s, n) __builtin_memcpy(d, s, n))', 'aliases of __builtin_memcpy (#define x(d, s, n) __builtin_memcpy(d, s, n))'],
};

export function instrumentSummary(r: InstrumentReport, quote: (dir: string) => string): string {
  void quote;
  const out: string[] = [];
  const done = (verb: string) => (r.dryRun ? `would be ${verb}` : verb);
  if (r.alreadyInstrumented) {
    out.push(`memcpy-debug: ${r.dir} is already instrumented (${MANIFEST_PATH}); nothing to do.`);
    out.push(`  undo with: memcpy-debug revert ${quote(r.dir)}`);
    return out.join('\n') + '\n';
  }
  if (r.nothingToDo) {
    const left = leftAlone(r.sitesByKind);
    out.push(`memcpy-debug: nothing to do in ${r.dir}: no memcpy call to rename (${plural(r.scanned, 'C file')} scanned, ${r.parsed} mention memcpy${left ? `; left alone: ${left}` : ''}); nothing ${r.dryRun ? 'would be ' : ''}written`);
    for (const n of r.notes.slice(0, 40)) out.push(`    ${n.path}:${n.line}: ${LEAVE_DESCRIPTIONS[n.kind as LeaveKind] ?? n.kind}`);
    for (const w of r.warnings) out.push(`  warning: ${w}`);
    return out.join('\n') + '\n';
  }
  const flavour = r.runtimeAt
    ? `kernel runtime in the kernel tree, switched by ${r.runtimeAt.option} (default on overlap: ${r.onOverlap})`
    : `${r.target === 'kernel' ? 'kernel' : 'user-space'} runtime (${r.targetWhy}), on overlap: ${r.onOverlap}` +
      (r.samePointer === 'ignore' ? ', memcpy(p, p, n) ignored' : '');
  const what = r.dryRun ? `would instrument ${r.dir}${r.again ? '\'s new memcpy calls' : ''} (dry run, nothing written)`
    : r.again ? `instrumented the memcpy calls written in ${r.dir} since it was instrumented (a revert undoes both runs)`
      : `${r.resumed ? 'finished instrumenting' : 'instrumented'} ${r.dir}`;
  out.push(`memcpy-debug: ${what}; ${flavour}`);
  const how = (Object.keys(RENAME_WORDS) as SiteKind[])
    .filter((k) => r.sitesByKind[k])
    .map((k) => plural(r.sitesByKind[k]!, ...RENAME_WORDS[k]!));
  out.push(`  ${plural(r.renamed, 'call site')} ${done('renamed')} to memcpy_debug in ${plural(r.files.length, 'file')}` +
    (how.length > 0 ? ` (${how.join(', ')})` : ''));
  out.push(`  ${plural(r.includesAdded, 'include')} ${done('added')}; ${plural(r.scanned, 'C file')} scanned, ${r.parsed} mention memcpy`);
  for (const b of r.builds) {
    out.push(b.added
      ? `  ${b.path}: "${b.line.replace(/\s+#.*$/gm, '').replaceAll('\n', '", "')}" ${done('added')} (${b.note})`
      : `  ${b.path}: ${b.note}`);
  }
  if (r.created.length > 0) out.push(`  ${r.created.join(', ')} ${done('added')}`);
  if (r.runtimeAt) out.push(`  the runtime is ${r.runtimeAt.header} (${r.runtimeAt.top}), shared by every folder instrumented in this tree`);
  if (r.excluded.length > 0) {
    const files = r.excluded.reduce((n, e) => n + e.files, 0);
    const sites = r.excluded.reduce((n, e) => n + e.sites, 0);
    out.push(`  left out, as the kernel keeps them away from instrumentation: ${plural(files, 'file')} with ${plural(sites, 'call site')} (they stay memcpy):`);
    for (const e of r.excluded) {
      out.push(`    ${e.rule}: ${plural(e.files, 'file')}, ${plural(e.sites, 'site')}: ${EXCLUSION_DESCRIPTIONS[e.rule]}`);
      out.push(`      by ${list(e.sources, 4)}`);
    }
  }
  for (const n of r.buildNotes) out.push(`  ${n}`);
  const left = leftAlone(r.sitesByKind);
  if (left) out.push(`  left alone: ${left}`);
  if (r.notes.length > 0) {
    out.push(`  ${plural(r.notes.length, 'site')} left alone that ${r.notes.length === 1 ? 'deserves' : 'deserve'} a look:`);
    const shown = r.notes.slice(0, 40);
    for (const n of shown) out.push(`    ${n.path}:${n.line}: ${LEAVE_DESCRIPTIONS[n.kind as LeaveKind] ?? n.kind}`);
    if (r.notes.length > shown.length) out.push(`    ... and ${r.notes.length - shown.length} more (--json lists them all)`);
  }
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  if (!r.dryRun && r.renamed + r.created.length > 0) {
    out.push(`  recorded in ${MANIFEST_PATH}`);
    out.push('next:');
    if (r.next.enable) out.push(`  enable:  ${r.next.enable}`);
    out.push(`  build:   ${r.next.build}`);
    out.push(`  reports: ${r.next.reports}`);
    out.push(`  read:    ${r.next.read}`);
    out.push(`  undo:    ${r.next.undo}`);
  }
  out.push(`  (${r.seconds.toFixed(2)} s)`);
  return out.join('\n') + '\n';
}

function leftAlone(byKind: Partial<Record<SiteKind, number>>): string {
  const kinds = Object.keys(LEAVE_DESCRIPTIONS) as LeaveKind[];
  return kinds.filter((k) => byKind[k]).map((k) => plural(byKind[k]!, ...SHORT[k])).join(', ');
}

const SHORT: Record<LeaveKind, readonly [string, string]> = {
  comment: ['in a comment', 'in comments'],
  string: ['in a string', 'in strings'],
  member: ['struct member', 'struct members'],
  declaration: ['declaration of memcpy', 'declarations of memcpy'],
  redefinition: ['in #define/#undef memcpy', 'in #define/#undef memcpy'],
  bypass: ['(memcpy)(...) bypass', '(memcpy)(...) bypasses'],
  value: ['used as a value', 'used as values'],
  noinstr: ['in a noinstr function', 'in noinstr functions'],
  unclassified: ['unclassified', 'unclassified'],
  builtin: ['__builtin_memcpy, not checked', '__builtin_memcpy, not checked'],
};

const STATUS_WORDS: Record<RevertStatus, string> = {
  restored: 'restored byte for byte',
  reverted: 'our edits undone, later edits kept',
  'partly-reverted': 'partly reverted (--force)',
  conflict: 'CONFLICT, left as it is',
  'already-original': 'already original',
  removed: 'removed',
  kept: 'kept: changed since instrument',
  'in-use': 'kept: still used',
  'include-kept': 'our edits undone but the include, still needed',
  missing: 'missing',
};

export function revertSummary(r: RevertReport): string {
  const out: string[] = [];
  const count = (s: RevertStatus) => r.files.filter((f) => f.status === s).length;
  const others = r.finishedOthers?.map((f) => f || 'the whole tree').join(', ');
  if (r.mode === 'structural' && r.files.length === 0) {
    return `memcpy-debug: nothing to revert in ${r.dir}: it has no manifest, and nothing of memcpy-debug is in it (not instrumented, or reverted already)\n  (${r.seconds.toFixed(2)} s)\n`;
  }
  const what = others ? `${r.dryRun ? 'would finish' : 'finished'} the revert of ${others} that was cut off; ${r.dir} itself is not reverted yet: run "memcpy-debug revert ${r.dir}" again`
    : r.dryRun ? `would revert ${r.dir} (dry run, nothing written)` : `reverted ${r.dir}`;
  out.push(`memcpy-debug: ${what}${r.mode === 'structural' ? '; no manifest, so a structural undo (memcpy_debug calls renamed back, our includes, build line and runtime files removed)' : ''}`);
  if (r.resumed && !others) out.push('  finished a revert that was cut off');
  const parts = (Object.keys(STATUS_WORDS) as RevertStatus[]).filter((s) => count(s) > 0).map((s) => `${count(s)} ${STATUS_WORDS[s]}`);
  out.push(`  ${plural(r.files.length, 'file')}: ${parts.join('; ') || 'nothing to do'}`);
  if (r.mode === 'structural') out.push(`  ${plural(r.renamedBack, 'call site')} renamed back to memcpy`);
  for (const f of r.files) {
    if (f.status !== 'restored' && f.status !== 'reverted' && f.status !== 'already-original' && f.status !== 'removed') {
      out.push(`  ${f.path}: ${STATUS_WORDS[f.status]}`);
      for (const why of f.reasons) out.push(`    ${why}`);
    }
  }
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  if (!r.dryRun && r.mode === 'manifest') {
    out.push(r.manifestRemoved ? `  ${MANIFEST_PATH} removed`
      : count('conflict') > 0 ? `  ${MANIFEST_PATH} kept for the files not reverted; fix them and run revert again, or use --force`
        : `  ${MANIFEST_PATH} kept for what is still needed; run revert again once the memcpy_debug calls written since are gone`);
  }
  out.push(`  (${r.seconds.toFixed(2)} s)`);
  return out.join('\n') + '\n';
}
