// The manifest's validator, generated from manifest-schema.ts when the package is built
// (scripts/manifest-validator.ts writes manifest-validate.js beside the compiled schema).
import type { ValidateFunction } from 'ajv';

export declare const validate: ValidateFunction;
