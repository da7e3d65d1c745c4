/**
 * The runtime's version, part of the remembered backend choice's key: a new runtime
 * (other engines, other timing rules) measures afresh. Kept equal to package.json's
 * `version` by runtime-version.test.ts (a constant, not a bundler define, so the npm
 * build — plain tsc — carries it too).
 */
export const RUNTIME_VERSION = '0.1.0';
