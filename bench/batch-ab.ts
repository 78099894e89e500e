/**
 * A/B of the click batch on PostgreSQL: two fresh databases, B changed by the SQL given as
 * arguments; the same Zipf batches alternate between them (so drift on a shared machine hits both)
 * and the median time of one record_clicks call is printed for each.
 *   node dist/bench/batch-ab.js "alter table metric_events add foreign key (partner_id) references partners (id)"
 * PROBE_BATCH (clicks per batch, 50), PROBE_BATCHES (1000), PROBE_ANALYZE=1 (analyze after seeding).
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createCampaign } from '../src/modules/campaigns/campaigns.js';
import { recordClicks, type PendingClick } from '../src/modules/clicks/click-recorder.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
async function make(name: string): Promise<{ database: Database; links: Array<{ code: string; partner_id: string }> }> {
  await admin.query(`create database ${name}`);
  const database = await openDatabase({ databaseUrl: Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href, dataDir: null, logger: { error: console.error, warn: () => undefined } });
  await migrate(database);
  await database.db.execute(sql`insert into partners (email) select 'b-' || g || '@example.com' from generate_series(1, 10000) g`);
  await createCampaign(database.db, { name: 'B', targetUrl: 'https://b.example/', ratePerClickEur: '0.12' }, 12, { id: null, label: 'b' });
  if (process.env.PROBE_ANALYZE) await database.db.execute(sql`analyze`);
  const links = await queryRows<{ code: string; partner_id: string }>(database.db, sql`select code, partner_id from tracked_links order by code`);
  return { database, links };
}
const stamp = Date.now();
const a = await make(`pe_probe_a_${stamp}`);
const b = await make(`pe_probe_b_${stamp}`);
for (const step of process.argv.slice(2)) await b.database.db.execute(sql.raw(step));
const cdf: number[] = []; let total = 0;
for (let k = 1; k <= a.links.length; k++) cdf.push((total += 1 / k));
const pick = () => { const x = Math.random() * total; let lo = 0, hi = cdf.length - 1; while (lo < hi) { const m = (lo + hi) >> 1; if (cdf[m]! < x) lo = m + 1; else hi = m; } return lo; };
const rules = { secret: 'x'.repeat(40), dedupeHours: 24, maxPaidClicksPerDay: 200 };
const times = { a: [] as number[], b: [] as number[] };
const size = Number(process.env.PROBE_BATCH ?? 50);
for (let round = 0; round < Number(process.env.PROBE_BATCHES ?? 1000); round++) {
  const picks = Array.from({ length: size }, () => [pick(), `10.${round % 250}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`] as const);
  for (const [label, side] of round % 2 ? ([['a', a], ['b', b]] as const) : ([['b', b], ['a', a]] as const)) {
    const clicks: PendingClick[] = picks.map(([i, address]) => ({ code: side.links[i]!.code, partnerId: side.links[i]!.partner_id, address, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', signedInPartnerId: null, notNavigation: false, now: new Date() }));
    const t = performance.now();
    await recordClicks(side.database.db, clicks, rules);
    if (round >= 100) times[label].push(performance.now() - t);
  }
}
for (const label of ['a', 'b'] as const) {
  const s = times[label].sort((x, y) => x - y);
  console.log(label, `median ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(2)} ms per ${size}-click batch`);
}
// With PGOPTIONS="-c track_functions=all", the time spent inside the functions, per call.
for (const [label, side] of [['a', a], ['b', b]] as const) {
  await new Promise((resolve) => setTimeout(resolve, 1200)); // statistics reach the view within a second
  const rows = await queryRows<{ funcname: string; calls: number; total_time: number; self_time: number }>(side.database.db, sql`select funcname, calls, total_time, self_time from pg_stat_user_functions order by total_time desc`);
  for (const row of rows) console.log(label, row.funcname, `${(Number(row.total_time) / Number(row.calls)).toFixed(3)} ms per call (self ${(Number(row.self_time) / Number(row.calls)).toFixed(3)}), ${row.calls} calls`);
}
// Row writes per table, and how many updates were HOT (no index touched).
for (const [label, side] of [['a', a], ['b', b]] as const) {
  const rows = await queryRows<{ relname: string; n_tup_ins: number; n_tup_upd: number; n_tup_hot_upd: number }>(side.database.db, sql`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where n_tup_ins + n_tup_upd > 0 order by relname`);
  for (const row of rows) console.log(label, row.relname, `inserted ${row.n_tup_ins}, updated ${row.n_tup_upd} (HOT ${row.n_tup_hot_upd})`);
}
for (const side of [a, b]) await side.database.close();
await admin.query(`drop database pe_probe_a_${stamp} with (force)`);
await admin.query(`drop database pe_probe_b_${stamp} with (force)`);
await admin.end();
