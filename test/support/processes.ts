/** Runs the built server and CLI as real processes, the way a self-hoster does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/lib/project-root.js';
import { distIsFresh } from './build.js';

/**
 * Checks that `dist/` is current. It is built once per run by Vitest's globalSetup
 * (test/support/build.ts), never from a test file: files run in parallel.
 */
export function ensureBuilt(): void {
  if (!distIsFresh()) throw new Error('dist/ is older than the sources: it is built by globalSetup (test/support/build.ts) before the tests start');
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export interface RunningServer extends RunningProcess {
  origin: string;
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of Object.keys(base)) {
    if (/^(PORT|BASE_URL|DATA_DIR|DATABASE_URL|APP_SECRET|SMTP_URL|ADMIN_EMAILS|TRUST_PROXY|NODE_ENV)$/.test(key)) delete base[key];
  }
  return { ...base, LOG_LEVEL: 'info', ...env };
}

/**
 * Starts a built script (`dist/…`) that runs until stopped; resolves with the first match of
 * `ready` in its output (or rejects with its output if it exits first).
 */
export async function startNode(script: string, args: string[], env: Record<string, string>, cwd: string, ready: RegExp): Promise<RunningProcess & { ready: RegExpExecArray }> {
  const child = spawn(process.execPath, [join(projectRoot, script), ...args], { cwd, env: cleanEnv(env) });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setInterval(() => {
      const found = ready.exec(out);
      if (found) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(found);
      }
    }, 50);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`${script} did not say ${ready} within 90 s (is LOG_LEVEL below info?):\n${out}`));
    }, 90_000);
    void exited.then((code) => {
      clearInterval(timer);
      clearTimeout(deadline);
      reject(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
  return { child, output: () => out, exited, ready: match };
}

/** Starts `dist/src/server.js`; resolves once it listens (or rejects with its output if it exits). */
export async function startServer(env: Record<string, string>, cwd: string): Promise<RunningServer> {
  const { ready, ...server } = await startNode('dist/src/server.js', [], { PORT: '0', ...env }, cwd, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  return { ...server, origin: ready[1]! };
}

/** Runs a command to completion: the server expected to fail, or the CLI. */
export async function runNode(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(projectRoot, script), ...args], { cwd, env: cleanEnv(env) });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}
