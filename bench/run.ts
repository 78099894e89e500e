/**
 * npm run bench — measures, in one run on loopback, the bare-node baseline B0 and Plug & Earn's
 * tracked redirect on PostgreSQL and on the embedded database, then writes BENCHMARKS.md.
 *   --quick        short runs (a smoke test of the harness)
 *   --scale        also seed 1M and 10M click events (PostgreSQL) and time leaderboard and balance
 *   --soak         also a soak on PostgreSQL: 10 minutes at 80 % of the measured rate, memory sampled
 *   --only=pg|pglite  B0 and one server only, printed and not written (while investigating);
 *   --only=scale   with --scale: B0 and the scale measurements only, printed and not written;
 *                  BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server
 * Server and load generator are separate processes; ratios to B0 are the headline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { projectRoot } from '../src/lib/project-root.js';
import { createSession } from '../src/modules/auth/sessions.js';
import { createCampaign } from '../src/modules/campaigns/campaigns.js';
import { partnerBalance } from '../src/modules/earnings/balance.js';
import { rebuildDailyStats } from '../src/modules/earnings/daily-stats.js';
import { computeRanking, leaderboard } from '../src/modules/earnings/leaderboard.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const SCALE = args.has('--scale');
/** --only=pg or --only=pglite: B0 and that server only (while investigating); the report is not written. */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? null;
const WARMUP_S = QUICK ? 2 : 5;
const RUN_S = QUICK ? 4 : 15;
const LINKS = 10_000;
const HISTORY_CLICKS = 100_000;
const SOAK = args.has('--soak');
const SOAK_S = QUICK ? 30 : 600;
const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'bench-secret-bench-secret-bench-secret-01';
const logger = { error: (o: unknown) => console.error(o), warn: () => undefined };
const work = mkdtempSync(join(tmpdir(), 'pe-bench-'));
const codesFile = join(work, 'codes.json');
const serverLog = join(work, 'servers.log');

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  redirects: number;
  statuses: Record<string, number>;
  cpuMs: number;
}

/** CPU used during the measured run, in ms per 1,000 requests, by who used it. */
interface CpuShare {
  server: number;
  postgres: number;
  load: number;
}

interface Row {
  name: string;
  load: LoadResult;
  peakMb: number;
  stored?: number;
  sent?: number;
  note?: string;
  cpu?: CpuShare;
  /** A run of B0: ratios are to the mean of these. */
  baseline?: true;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU of one process so far, in ms (0 once it is gone). */
function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU of every PostgreSQL process on the machine (the server, its backends, its workers), in ms. */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += processCpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function memoryWatch(pid: number): { stop(): number } {
  let peak = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // process gone
    }
  };
  const timer = setInterval(read, 250);
  return {
    stop() {
      read();
      clearInterval(timer);
      return Math.round(peak);
    },
  };
}

/**
 * `seconds` runs for a duration (requests in flight at the end are cut and not counted);
 * `amount` sends exactly that many requests and waits for every answer, so 302s can be counted.
 */
function runLoad(origin: string, seconds: number, connections = 100, amount = 0, rate = 0): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist/bench/load.js'), origin, codesFile, String(seconds), String(connections), String(amount), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

async function waitReady(origin: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error('server exited during start');
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready');
}

/** 10,000 partners, each with a link to one campaign. */
async function seedLinks(database: Database): Promise<Array<{ code: string; partner_id: string; target: string }>> {
  await migrate(database);
  const db = database.db;
  await db.execute(sql`insert into partners (email) select 'bench-' || g || '@example.com' from generate_series(1, ${LINKS}) g`);
  const campaign = await createCampaign(db, { name: 'Bench', targetUrl: 'https://brand.example/offer?src=pe', ratePerClickEur: '0.12' }, 12, { id: null, label: 'bench' });
  const links = await queryRows<{ code: string; partner_id: string }>(db, sql`select code, partner_id from tracked_links where campaign_id = ${campaign.id} order by code`);
  return links.map((l) => ({ ...l, target: campaign.targetUrl }));
}

async function seed(database: Database): Promise<{ session: string }> {
  const links = await seedLinks(database);
  writeFileSync(codesFile, JSON.stringify(Object.fromEntries(links.map((l) => [l.code, l.target]))));
  const session = await createSession(database.db, links[0]!.partner_id);
  // A database in use, not a new one: past clicks over 90 days, their summary, fresh statistics
  // (as autovacuum keeps them). On empty tables the planner's plans are not those of production.
  await seedEvents(database, HISTORY_CLICKS);
  await database.db.execute(sql`analyze`);
  return { session: session.id };
}

async function countEvents(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int8 as n from metric_events`);
  return row!.n;
}

interface RunningServer {
  origin: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // BENCH_SERVER_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server under load.
  const nodeFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, join(projectRoot, 'dist/src/server.js')], {
    env: { ...process.env, PORT: String(port), TRUST_PROXY: 'true', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', DEMO_DATA: 'false', APP_SECRET: SECRET, BASE_URL: origin, ...env },
    // Its log (at the shipped default level, info) goes to a file: the redirect writes none, pages do.
    stdio: ['ignore', openSync(serverLog, 'a'), 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await waitReady(origin, child);
  return { origin, child, exited };
}

async function eventsIn(open: () => Promise<Database>): Promise<number> {
  const database = await open();
  try {
    return await countEvents(database);
  } finally {
    await database.close();
  }
}

async function benchApp(name: string, env: Record<string, string>, open: () => Promise<Database>, session: string, withReaders: boolean): Promise<Row[]> {
  const before = await eventsIn(open);
  const { origin, child, exited } = await startServer(env);
  const memory = memoryWatch(child.pid!);
  // Warm-up: a short probe of the rate, then twice WARMUP_S at the rate last seen (the first
  // seconds fill the link cache and create the day's summary rows, and run slower); amounts, so
  // every 302 is counted.
  const probe = await runLoad(origin, 1, 100, 2000);
  const warming = await runLoad(origin, WARMUP_S, 100, Math.max(2000, Math.round(probe.rps * WARMUP_S)));
  const warm = await runLoad(origin, WARMUP_S, 100, Math.max(2000, Math.round(warming.rps * WARMUP_S)));
  // Measured run: as many requests as the warm-up rate fits in RUN_S, every one answered.
  const [serverBefore, postgresBefore] = [processCpuMs(child.pid!), postgresCpuMs()];
  const idle = await runLoad(origin, RUN_S, 100, Math.max(2000, Math.round(warm.rps * RUN_S)));
  const perThousand = (ms: number) => (ms / idle.requests) * 1000;
  const cpu = { server: perThousand(processCpuMs(child.pid!) - serverBefore), postgres: perThousand(postgresCpuMs() - postgresBefore), load: perThousand(idle.cpuMs) };
  const rows: Row[] = [{ name, load: idle, peakMb: 0, cpu }];
  let sent = probe.redirects + warming.redirects + warm.redirects + idle.redirects;
  if (withReaders) {
    // 2 leaderboard + 2 earnings requests per second while the redirect is under load.
    let reading = true;
    const readerLatencies: number[] = [];
    const reader = (async () => {
      while (reading) {
        const started = performance.now();
        await Promise.all([
          fetch(`${origin}/partners/leaderboard?days=7`).then((r) => r.text()),
          fetch(`${origin}/partners/leaderboard?days=90`).then((r) => r.text()),
          fetch(`${origin}/partners/earnings`, { headers: { cookie: `pe_session=${session}` } }).then((r) => r.text()),
          fetch(`${origin}/partners/earnings`, { headers: { cookie: `pe_session=${session}` } }).then((r) => r.text()),
        ]);
        readerLatencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - started))));
      }
    })();
    const busy = await runLoad(origin, RUN_S, 100, Math.max(2000, Math.round(idle.rps * RUN_S)));
    reading = false;
    await reader;
    sent += busy.redirects;
    readerLatencies.sort((a, b) => a - b);
    rows.push({ name: `${name}, with dashboards read`, load: busy, peakMb: 0, note: `dashboard batch p50 ${Math.round(readerLatencies[Math.floor(readerLatencies.length / 2)] ?? 0)} ms` });
  }
  child.kill('SIGTERM'); // graceful: pending clicks are committed before exit
  const code = await exited;
  const peak = memory.stop();
  if (code !== 0) throw new Error(`${name}: server exited with ${code}`);
  const stored = (await eventsIn(open)) - before;
  for (const row of rows) row.peakMb = peak;
  rows[0]!.stored = stored;
  rows[0]!.sent = sent;
  return rows;
}

interface SigtermResult {
  name: string;
  redirects: number;
  stored: number;
  unavailable: number;
  errors: number;
  exitCode: number | null;
  exitMs: number;
}

/**
 * SIGTERM in the middle of the load: the server must stop accepting, finish what is in flight,
 * commit every click it answered, and exit 0. Every 302 the load generator received must be
 * exactly one stored click.
 */
async function sigtermUnderLoad(name: string, env: Record<string, string>, open: () => Promise<Database>): Promise<SigtermResult> {
  const before = await eventsIn(open);
  const { origin, child, exited } = await startServer(env);
  const seconds = QUICK ? 4 : 8;
  const load = runLoad(origin, seconds, 100);
  await new Promise((r) => setTimeout(r, (seconds / 2) * 1000));
  const signalled = performance.now();
  child.kill('SIGTERM');
  const exitCode = await exited;
  const exitMs = performance.now() - signalled;
  const result = await load;
  const stored = (await eventsIn(open)) - before;
  return { name, redirects: result.redirects, stored, unavailable: result.statuses['503'] ?? 0, errors: result.errors + result.timeouts, exitCode, exitMs };
}

interface SoakResult {
  rate: number;
  seconds: number;
  load: LoadResult;
  /** Resident memory, the highest of each minute (MB). */
  rssByMinute: number[];
  stored: number;
}

/** A long run at a paced rate, resident memory sampled every 5 s: does the server grow? */
async function soak(url: string, rate: number, open: () => Promise<Database>): Promise<SoakResult> {
  const before = await eventsIn(open);
  const { origin, child, exited } = await startServer({ DATABASE_URL: url });
  const samples: Array<{ at: number; mb: number }> = [];
  const started = performance.now();
  const timer = setInterval(() => {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (rss) samples.push({ at: (performance.now() - started) / 1000, mb: Number(rss[1]) / 1024 });
    } catch {
      // gone
    }
  }, 5000);
  // An amount, not a duration: a duration would cut the last requests in flight uncounted.
  const load = await runLoad(origin, SOAK_S, 100, rate * SOAK_S, rate);
  clearInterval(timer);
  child.kill('SIGTERM');
  if ((await exited) !== 0) throw new Error('soak: server did not exit cleanly');
  const stored = (await eventsIn(open)) - before;
  const minute = QUICK ? 5 : 60;
  const rssByMinute: number[] = [];
  // Whole minutes of the nominal duration only: the last few seconds (the load finishing) are not one.
  for (const sample of samples.filter((s) => s.at < SOAK_S)) {
    const index = Math.floor(sample.at / minute);
    rssByMinute[index] = Math.round(Math.max(rssByMinute[index] ?? 0, sample.mb));
  }
  return { rate, seconds: SOAK_S, load, rssByMinute: rssByMinute.filter((mb) => mb !== undefined), stored };
}

/**
 * Growth of the server's memory over the soak: the highest RSS of the last minute against that of
 * the second (the first holds the start-up: caches filling, V8's heap settling).
 */
function soakGrowth(soaked: SoakResult): string {
  const second = soaked.rssByMinute[1] ?? soaked.rssByMinute[0]!;
  const last = soaked.rssByMinute.at(-1)!;
  return `${second} MB in the second minute, ${last} MB in the last (${last >= second ? '+' : ''}${(((last - second) / second) * 100).toFixed(1)} %)`;
}

async function baseline(name: string): Promise<Row> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(projectRoot, 'dist/bench/baseline-server.js'), codesFile, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const memory = memoryWatch(child.pid!);
  await runLoad(`http://127.0.0.1:${port}`, WARMUP_S);
  const serverBefore = processCpuMs(child.pid!);
  const load = await runLoad(`http://127.0.0.1:${port}`, RUN_S);
  const cpu = { server: ((processCpuMs(child.pid!) - serverBefore) / load.requests) * 1000, postgres: 0, load: (load.cpuMs / load.requests) * 1000 };
  const peakMb = memory.stop();
  child.kill('SIGTERM');
  return { name, load, peakMb, cpu, baseline: true };
}

async function pgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pe_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeIt(fn: () => Promise<unknown>, runs = 40): Promise<{ p50: number; p95: number }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/**
 * Calls `fn` four times a second for 30 s, as dashboards read it (the ranking behind it is
 * refreshed every 15 s), and reports the latencies served: 120 of them, so that the p95 of these
 * sub-millisecond reads is not one outlier.
 */
async function servedAsRead(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 120); i++) {
    const started = performance.now();
    await fn();
    const elapsed = performance.now() - started;
    times.push(elapsed);
    await new Promise((r) => setTimeout(r, Math.max(0, 250 - elapsed)));
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Adds `count` click events spread over 90 days and the 10 000 bench partners, then rebuilds the summary. */
async function seedEvents(database: Database, count: number): Promise<number> {
  const started = performance.now();
  const chunk = 1_000_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    await database.db.execute(sql`
      with l as (select array_agg(code order by code) as codes, array_agg(partner_id order by code) as partners,
                        (array_agg(campaign_id))[1] as campaign from tracked_links)
      insert into metric_events (kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents)
      select 'click', now() - (random() * interval '90 days'), l.partners[g.i], l.campaign, l.codes[g.i],
             case when g.valid then 'valid' else 'bot' end, case when g.valid then 12 else 0 end
      from l cross join lateral (select 1 + floor(random() * ${LINKS})::int as i, random() < 0.9 as valid from generate_series(1, ${n})) g`);
  }
  await rebuildDailyStats(database.db);
  return (performance.now() - started) / 1000;
}

/** Its own database, so that the click counts are exactly 1M and 10M. */
async function scale(): Promise<string[]> {
  const scaleDb = await pgDatabase();
  try {
    return await scaleOn(scaleDb.url);
  } finally {
    await scaleDb.drop();
  }
}

async function scaleOn(url: string): Promise<string[]> {
  const database = await openDatabase({ databaseUrl: url, dataDir: null, logger });
  const links = await seedLinks(database);
  const partner = links[0]!.partner_id;
  // The measured partner clicked on every one of the 90 days already at 1M, so that both sizes
  // read as many of its daily rows (one per day at most, whatever the clicks) and the ratio
  // between them shows what more clicks cost, not what more active days do.
  await database.db.execute(sql`
    insert into metric_events (kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents)
    select 'click', now() - d * interval '1 day', ${partner}::uuid, l.campaign_id, l.code, 'valid', 12
      from tracked_links l cross join generate_series(0, 89) d where l.code = ${links[0]!.code}`);
  const lines: string[] = [];
  let current = await countEvents(database);
  for (const target of [1_000_000, 10_000_000]) {
    const seconds = await seedEvents(database, target - current);
    current = target;
    // Vacuumed as well as analysed: the seeding's millions of inserts would otherwise bring
    // autovacuum onto metric_events while the reads below are timed, a cost of the seeding rather
    // than of the reads (a database in use is vacuumed as it goes).
    await database.db.execute(sql`vacuum (analyze)`);
    const board7 = await timeIt(() => computeRanking(database.db, 7), 20);
    const board90 = await timeIt(() => computeRanking(database.db, 90), 20);
    const served7 = await servedAsRead(() => leaderboard(database.db, 7, { partnerId: partner }));
    const served90 = await servedAsRead(() => leaderboard(database.db, 90, { partnerId: partner }));
    // Under a millisecond each: 400 runs, so that the p95 is not one slow outlier.
    const balance = await timeIt(() => partnerBalance(database.db, partner, { fallbackEpcCents: 12 }), 400);
    const [size] = await queryRows<{ bytes: number }>(database.db, sql`select pg_total_relation_size('metric_events')::int8 as bytes`);
    lines.push(`| ${target.toLocaleString('en')} | ${seconds.toFixed(0)} s | ${board7.p50.toFixed(1)} / ${board7.p95.toFixed(1)} | ${board90.p50.toFixed(1)} / ${board90.p95.toFixed(1)} | ${served7.p95.toFixed(2)} / ${served90.p95.toFixed(2)} | ${balance.p50.toFixed(2)} / ${balance.p95.toFixed(2)} | ${Math.round(size!.bytes / target)} |`);
    console.log(lines.at(-1));
  }
  await database.close();
  return lines;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const sigterms: SigtermResult[] = [];
  let soaked: SoakResult | null = null;
  const pgDb = await pgDatabase();
  try {
    const openPg = () => openDatabase({ databaseUrl: pgDb.url, dataDir: null, logger });
    const store = await openPg();
    const { session } = await seed(store);
    await store.close();
    console.log(`servers log to ${serverLog}`);
    console.log(`seeded 10 000 links and ${HISTORY_CLICKS.toLocaleString('en')} past clicks; measuring B0 …`);
    rows.push(await baseline('B0: bare node:http 302 from a Map, before the servers'));
    console.log(JSON.stringify(rows.at(-1)));
    if (ONLY === null || ONLY === 'pg') {
      console.log('measuring PostgreSQL …');
      rows.push(...(await benchApp('Plug & Earn on PostgreSQL', { DATABASE_URL: pgDb.url }, openPg, session, true)));
      console.log(JSON.stringify(rows.slice(-2)));
      sigterms.push(await sigtermUnderLoad('PostgreSQL', { DATABASE_URL: pgDb.url }, openPg));
      console.log(JSON.stringify(sigterms.at(-1)));
      if (SOAK) {
        const pgRow = rows.find((r) => r.name === 'Plug & Earn on PostgreSQL')!;
        console.log(`soaking PostgreSQL for ${SOAK_S} s …`);
        soaked = await soak(pgDb.url, Math.round(pgRow.load.rps * 0.8), openPg);
        console.log(JSON.stringify(soaked));
      }
    }
    if (ONLY === null || ONLY === 'pglite') {
      const dataDir = join(work, 'data');
      const openEmbedded = () => openDatabase({ databaseUrl: null, dataDir, logger });
      const embedded = await openEmbedded();
      const seeded = await seed(embedded);
      await embedded.close();
      console.log('measuring the embedded database …');
      rows.push(...(await benchApp('Plug & Earn on the embedded database (PGlite)', { DATA_DIR: dataDir }, openEmbedded, seeded.session, false)));
      console.log(JSON.stringify(rows.at(-1)));
      sigterms.push(await sigtermUnderLoad('PGlite', { DATA_DIR: dataDir }, openEmbedded));
      console.log(JSON.stringify(sigterms.at(-1)));
    }
    // B0 again: the shared machine's speed drifts within a run, and ratios are to the mean of both.
    console.log('measuring B0 again …');
    rows.push(await baseline('B0 again, after the servers'));
    console.log(JSON.stringify(rows.at(-1)));
    const scaleLines = SCALE ? await scale() : [];
    if (ONLY === null) writeReport(rows, sigterms, soaked, scaleLines);
    else console.log([...rows.map(tableLine), ...sigterms.map(sigtermLine)].join('\n'));
  } finally {
    await pgDb.drop();
  }
}

function sigtermLine(r: SigtermResult): string {
  const ratio = r.redirects ? (r.stored / r.redirects).toFixed(4) : '—';
  return `| ${r.name} | ${r.exitCode} | ${Math.round(r.exitMs)} | ${r.redirects.toLocaleString('en')} | ${r.stored.toLocaleString('en')} | ${ratio} | ${r.unavailable.toLocaleString('en')} | ${r.errors.toLocaleString('en')} |`;
}

function tableLine(r: Row, _index: number, rows: Row[]): string {
  const baselines = rows.filter((row) => row.baseline);
  const b0 = baselines.reduce((sum, row) => sum + row.load.rps, 0) / baselines.length;
  const ratio = r.stored !== undefined && r.sent ? (r.stored / r.sent).toFixed(4) : '—';
  const cpu = r.cpu ? `${r.cpu.server.toFixed(0)} / ${r.cpu.postgres.toFixed(0)} / ${r.cpu.load.toFixed(0)}` : '—';
  return `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${Math.round(r.load.rps).toLocaleString('en')} | ${((r.load.rps / b0) * 100).toFixed(0)} % | ${r.load.p50} | ${r.load.p99} | ${r.peakMb} | ${cpu} | ${ratio}${r.stored !== undefined ? ` (${r.stored.toLocaleString('en')} / ${r.sent!.toLocaleString('en')})` : ''} | ${r.load.errors + r.load.timeouts} |`;
}

function writeReport(rows: Row[], sigterms: SigtermResult[], soaked: SoakResult | null, scaleLines: string[]): void {
  const table = rows.map(tableLine);
  const report = `# Benchmarks

Measured by \`npm run bench${SCALE || SOAK ? ` --${SCALE ? ' --scale' : ''}${SOAK ? ' --soak' : ''}` : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on 127.0.0.1.
Load: autocannon in its own process, 100 connections, no pipelining, a 1 s probe and 2 × ${WARMUP_S} s of warm-up, then as many requests as the warm-up rate fits in ${RUN_S} s, every one answered; codes drawn from ${LINKS.toLocaleString('en')} links with a Zipf (s = 1) popularity, 8 real browser user agents, a random client address per request (\`X-Forwarded-For\`, \`TRUST_PROXY=true\`). Every click is committed before its 302 (group commit). Ratios to B0, measured in the same run, are the headline: absolute numbers move with whatever else the shared machine does. B0 runs before the servers and again after them, and the ratios are to the mean of the two; their own percentages show how much the machine drifted meanwhile.

## Tracked redirect \`GET /r/:code\`

| server | requests/s | % of B0 (mean of its two runs) | p50 ms | p99 ms | peak RSS MB | CPU ms per 1,000 requests: server / PostgreSQL / load generator | clicks stored ÷ 302s sent | errors |
|---|---|---|---|---|---|---|---|---|
${table.join('\n')}

CPU is read from \`/proc\` during the measured run (for PostgreSQL, every \`postgres\` process on the machine); the machine has ${cpus().length * 1000} CPU ms per second to share between all three.

"Clicks stored ÷ 302s sent" counts every 302 of the warm-up and the measured runs against the rows added to \`metric_events\` (counted after a graceful stop, SIGTERM): 1.0000 means nothing lost and nothing doubled. Each database starts with ${HISTORY_CLICKS.toLocaleString('en')} past clicks over 90 days and fresh planner statistics, as a database in use has.

## SIGTERM in the middle of the load

The server gets SIGTERM halfway through ${QUICK ? 4 : 8} s of load (100 connections). It must stop accepting, answer what is in flight, commit every click it answered, and exit 0.

| database | exit code | SIGTERM → exit ms | 302s received | clicks stored | stored ÷ 302s | 503s while closing | connection errors after |
|---|---|---|---|---|---|---|---|
${sigterms.map(sigtermLine).join('\n')}
${soaked ? `
## Soak (PostgreSQL)

${soaked.seconds} s at ${soaked.rate.toLocaleString('en')} requests/s (80 % of the measured rate above), 100 connections: ${Math.round(soaked.load.rps).toLocaleString('en')} requests/s served, p50 ${soaked.load.p50} ms, p99 ${soaked.load.p99} ms, ${soaked.load.errors + soaked.load.timeouts} errors; clicks stored ÷ 302s ${(soaked.stored / soaked.load.redirects).toFixed(4)} (${soaked.stored.toLocaleString('en')} / ${soaked.load.redirects.toLocaleString('en')}).
Resident memory of the server, highest of each minute (MB): ${soaked.rssByMinute.join(', ')}. Growth: ${soakGrowth(soaked)}.
` : ''}${scaleLines.length ? `
## Leaderboard and balance as clicks pile up (PostgreSQL)

Its own database: 10,000 partners, then exactly 1M and 10M click events spread over 90 days (90 % valid). The measured partner has clicks on each of the 90 days at both sizes. The tables are vacuumed and analysed after seeding, before anything is timed. The ranking query is timed alone (20 runs); the leaderboard as served (with its per-instance ranking kept and refreshed behind readers) is read four times a second for 30 s per period; the balance is timed over 400 runs.

| click events | seeding | ranking query 7 d p50 / p95 ms | ranking query 90 d p50 / p95 ms | leaderboard served at 4 req/s, p95 ms, 7 d / 90 d | balance p50 / p95 ms | bytes per click in \`metric_events\` with its indexes |
|---|---|---|---|---|---|---|
${scaleLines.join('\n')}
` : ''}`;
  const file = join(projectRoot, 'BENCHMARKS.md');
  const marker = '<!-- Written by hand below this line';
  let kept = '';
  try {
    const previous = readFileSync(file, 'utf8');
    if (previous.includes(marker)) kept = previous.slice(previous.indexOf(marker));
  } catch {
    // no previous report
  }
  writeFileSync(file, kept ? `${report}\n${kept}` : report);
  console.log(report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
