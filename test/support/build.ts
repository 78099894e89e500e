/**
 * `dist/` for the process tests, built at most once per test run: Vitest's globalSetup calls
 * `setup()` before any test file starts. Test files running in parallel must never rebuild it:
 * rewriting `dist/` under a server another file was starting made it read a half-written module.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/lib/project-root.js';

const SOURCE_DIRS = ['src', 'bench'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
const STAMP = join(projectRoot, 'dist', '.built-at');

/** Newest modification time of what the build reads (ms). */
function newestInput(): number {
  let newest = Math.max(...CONFIG_FILES.map((file) => statSync(join(projectRoot, file)).mtimeMs));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(projectRoot, dir));
  return newest;
}

/** True when `dist/` was built (by scripts/build.mjs) after every input last changed. */
export function distIsFresh(): boolean {
  return existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestInput();
}

export function setup(): void {
  if (distIsFresh()) return;
  execFileSync(process.execPath, [join(projectRoot, 'scripts/build.mjs')], { cwd: projectRoot, stdio: 'inherit' });
}
