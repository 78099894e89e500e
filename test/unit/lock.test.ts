import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirectoryLockedError, lockDataDirectory } from '../../src/db/lock.js';

describe('data directory lock', () => {
  it('refuses a second holder while the first is alive, and frees on release', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pe-lock-')), 'pglite.lock');
    const lock = lockDataDirectory(file);
    expect(() => lockDataDirectory(file)).toThrow(DataDirectoryLockedError);
    lock.release();
    expect(existsSync(file)).toBe(false);
    lockDataDirectory(file).release();
  });

  it('takes over a lock left by a dead process', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pe-lock-')), 'pglite.lock');
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    writeFileSync(file, JSON.stringify({ pid: deadPid, host: hostname(), since: 'then' }));
    const lock = lockDataDirectory(file);
    lock.release();
  });

  it('takes over a lock naming this very pid that this process does not hold (restarted container)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pe-lock-')), 'pglite.lock');
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), since: 'before the restart' }));
    lockDataDirectory(file).release();
  });

  it('refuses a lock held from another host sharing the volume, and an unreadable one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pe-lock-')), 'pglite.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'another-container', since: 'now' }));
    expect(() => lockDataDirectory(file)).toThrow(/already open on host another-container/);
    writeFileSync(file, '');
    expect(() => lockDataDirectory(file)).toThrow(/unreadable lock file/);
  });
});
