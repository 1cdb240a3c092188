// The manifest's shape as a JSON Schema: its one definition, shared by the validator built from
// it and by the docs. No imports: the build compiles it before anything else is loaded.

export const MANIFEST_FORMAT = 'memcpy-debug-manifest';

const SHA = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
/** A path under the folder, or under the tree (the tree itself included): parseManifest checks them with core/paths.ts. */
const PATH = { type: 'string' } as const;
const FOLDER = { type: 'string' } as const;
const STRINGS = { type: 'array', items: { type: 'string' } } as const;
/** While reverting: the hash the file gets, '' when it is deleted. */
const REVERTED = { anyOf: [SHA, { const: '' }] } as const;
const tuple = (...items: object[]) => ({ type: 'array', items, minItems: items.length, additionalItems: false });
const ENTRY = {
  path: PATH, after: SHA, reverted: REVERTED, folder: FOLDER, shared: { const: true },
} as const;

/**
 * The manifest's one schema (JSON Schema, draft-07). scripts/manifest-validator.ts compiles it
 * with ajv when the package is built (into manifest-validate.js: no compile at run time), and
 * parseManifest adds the rules a schema cannot say: paths (core/paths.ts), dates, edits in order.
 */
export const MANIFEST_SCHEMA = {
  type: 'object',
  required: ['format', 'version', 'tool', 'createdAt', 'state', 'options', 'files'],
  properties: {
    format: { const: MANIFEST_FORMAT },
    version: { const: 1 },
    tool: { type: 'string' },
    createdAt: { type: 'string' },
    state: { enum: ['instrumenting', 'instrumented', 'reverting'] },
    options: {
      type: 'object',
      required: ['target', 'tag', 'onOverlap', 'buildFile', 'excludes'],
      properties: {
        target: { enum: ['kernel', 'user'] },
        tag: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        onOverlap: { enum: ['warn', 'warn-once', 'memmove', 'bug', 'abort'] },
        samePointer: { enum: ['report', 'ignore'] },
        buildFile: { anyOf: [PATH, { type: 'null' }] },
        excludes: STRINGS,
        placement: { enum: ['folder', 'kernel-tree'] },
        folders: { type: 'array', items: { type: 'object', required: ['path', 'excludes'], properties: { path: FOLDER, excludes: STRINGS } } },
      },
      if: { properties: { placement: { const: 'kernel-tree' } }, required: ['placement'] },
      then: { required: ['folders'] },
    },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'kind', 'after'],
        properties: { kind: { enum: ['modify', 'create'] } },
        if: { properties: { kind: { const: 'modify' } } },
        then: {
          required: ['before', 'edits', 'regions'],
          properties: {
            ...ENTRY, kind: {}, before: SHA,
            edits: { type: 'array', items: tuple({ type: 'integer', minimum: 0 }, { type: 'integer', minimum: 0 }, { type: 'string' }) },
            regions: { type: 'array', items: tuple({ type: 'integer', minimum: 1 }, { type: 'string' }, { type: 'string' }) },
          },
          additionalProperties: false,
        },
        else: { properties: { ...ENTRY, kind: {} }, additionalProperties: false },
      },
    },
  },
} as const;

