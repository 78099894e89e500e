/**
 * PGlite is a single in-process connection with no lock of its own on its directory: two processes
 * opening one directory would corrupt it. This lock file (like PostgreSQL's postmaster.pid) refuses
 * a second process while the first is alive, and takes over a lock left by a dead one.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export class DataDirectoryLockedError extends Error {
  constructor(readonly lockFile: string, readonly holderPid: number) {
    super(
      `The embedded database in ${lockFile.replace(/\/[^/]+$/, '')} is already open in process ${holderPid} ` +
        `(a running Plug & Earn server?). Stop that process first, or set DATABASE_URL to use PostgreSQL, ` +
        `which many processes can share.`,
    );
    this.name = 'DataDirectoryLockedError';
  }
}

interface LockContent {
  pid: number;
  host: string;
  since: string;
}

export interface DirectoryLock {
  release(): void;
}

export function lockDataDirectory(lockFile: string): DirectoryLock {
  const mine: LockContent = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, JSON.stringify(mine));
      closeSync(fd);
      const onExit = () => releaseIfMine(lockFile, mine);
      process.once('exit', onExit);
      return {
        release() {
          process.removeListener('exit', onExit);
          releaseIfMine(lockFile, mine);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(lockFile);
      if (holder && holder.host === mine.host && isAlive(holder.pid)) {
        throw new DataDirectoryLockedError(lockFile, holder.pid);
      }
      // The holder is gone (crash, SIGKILL): the lock is stale, take it over.
      try {
        unlinkSync(lockFile);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  throw new Error(`Could not take the lock ${lockFile}: another process keeps creating it.`);
}

function readLock(lockFile: string): LockContent | null {
  try {
    return JSON.parse(readFileSync(lockFile, 'utf8')) as LockContent;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfMine(lockFile: string, mine: LockContent): void {
  const holder = readLock(lockFile);
  if (holder && holder.pid === mine.pid && holder.since === mine.since) {
    try {
      unlinkSync(lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
