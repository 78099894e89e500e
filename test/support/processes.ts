/** Runs the built server and CLI as real processes, the way a self-hoster does. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/lib/project-root.js';

let built = false;

/** Newest modification time of the TypeScript files under `dirs` (ms). */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) walk(join(projectRoot, dir));
  return newest;
}

/**
 * Compiles `src/` to `dist/` unless it is up to date (npm test has built already; this keeps
 * test files standalone). Never while it is fresh: test files run in parallel, and rewriting
 * `dist/` under a server another file is starting made it read a half-written module.
 */
export function ensureBuilt(): void {
  if (built) return;
  const stamp = join(projectRoot, 'dist', '.built-at');
  const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(['src', 'bench']);
  if (!fresh) {
    execFileSync(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: projectRoot,
      stdio: 'inherit',
    });
    writeFileSync(stamp, new Date().toISOString());
  }
  built = true;
}

export interface RunningServer {
  child: ChildProcess;
  origin: string;
  output(): string;
  exited: Promise<number | null>;
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of Object.keys(base)) {
    if (/^(PORT|BASE_URL|DATA_DIR|DATABASE_URL|APP_SECRET|SMTP_URL|ADMIN_EMAILS|TRUST_PROXY|NODE_ENV)$/.test(key)) delete base[key];
  }
  return { ...base, LOG_LEVEL: 'info', ...env };
}

/** Starts `dist/src/server.js`; resolves once it listens (or rejects with its output if it exits). */
export async function startServer(env: Record<string, string>, cwd: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(projectRoot, 'dist/src/server.js')], { cwd, env: cleanEnv({ PORT: '0', ...env }) });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(match[1]!);
      }
    }, 50);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`server did not say it was listening within 20 s (is LOG_LEVEL below info?):\n${out}`));
    }, 20_000);
    void exited.then((code) => {
      clearInterval(timer);
      clearTimeout(deadline);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { child, origin, output: () => out, exited };
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
