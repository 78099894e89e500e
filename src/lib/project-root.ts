import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found from this file, whether it runs from `src/` (tests) or
 * from the compiled `dist/src/`: `migrations/` and `public/` are read from there.
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.build.json')) === false) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Plug & Earn project folder (package.json)');
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot();
