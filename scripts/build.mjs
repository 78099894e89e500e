// Compiles src/ and bench/ to dist/, then stamps dist/.built-at with the time the build STARTED:
// a source saved during the compilation is then newer than the stamp, and the tests' freshness
// check (test/support/build.ts) rebuilds instead of running stale code.
import { execFileSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = new Date();
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const stamp = join(root, 'dist', '.built-at');
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
