/**
 * PGlite is a single in-process connection with no lock of its own on its directory: two processes
 * opening one directory would corrupt it. This lock file (like PostgreSQL's postmaster.pid) refuses
 * a second process while the first is alive, and takes over a lock left by a dead one.
 *
 * The file is written whole under a temporary name, then hard-linked into place: `link` fails if
 * the lock exists, so no process ever reads a half-written lock.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

export class DataDirectoryLockedError extends Error {
  constructor(readonly lockFile: string, detail: string) {
    super(
      `The embedded database in ${lockFile.replace(/\/[^/]+$/, '')} is ${detail}. Stop that process first, ` +
        `or set DATABASE_URL to use PostgreSQL, which many processes can share. ` +
        `If no such process exists, delete ${lockFile}.`,
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

/** Locks this process holds now: a lock file naming our pid that is not here is a dead namesake's. */
const held = new Set<string>();

export function lockDataDirectory(lockFile: string): DirectoryLock {
  const mine: LockContent = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const temporary = `${lockFile}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, JSON.stringify(mine), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temporary, lockFile);
        held.add(lockFile);
        const onExit = () => releaseIfMine(lockFile, mine);
        process.once('exit', onExit);
        return {
          release() {
            process.removeListener('exit', onExit);
            held.delete(lockFile);
            releaseIfMine(lockFile, mine);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readLock(lockFile);
        if (!holder) throw new DataDirectoryLockedError(lockFile, 'locked by an unreadable lock file');
        if (holder.host !== mine.host) {
          // Another machine or container sharing the volume: we cannot tell whether it is alive.
          throw new DataDirectoryLockedError(lockFile, `already open on host ${holder.host} (process ${holder.pid})`);
        }
        const deadNamesake = holder.pid === process.pid && !held.has(lockFile);
        if (held.has(lockFile) || (!deadNamesake && isAlive(holder.pid))) {
          throw new DataDirectoryLockedError(lockFile, `already open in process ${holder.pid} (a running Plug & Earn server?)`);
        }
        // The holder is gone (crash, SIGKILL, or a restarted container reusing our pid): stale lock.
        try {
          unlinkSync(lockFile);
        } catch (unlinkError) {
          if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
        }
      }
    }
    throw new DataDirectoryLockedError(lockFile, 'being locked by another process at this very moment');
  } finally {
    unlinkSync(temporary);
  }
}

function readLock(lockFile: string): LockContent | null {
  try {
    const content = JSON.parse(readFileSync(lockFile, 'utf8')) as LockContent;
    return typeof content.pid === 'number' && typeof content.host === 'string' ? content : null;
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
