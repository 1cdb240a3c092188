// The exit codes and the user's error type live in the core (pure); the CLI uses them from here.
export * from '../core/errors.js';
