// Screenshots of pages for a person to look at, at a phone's and a laptop's width, in French and
// English, with the horizontal overflow of each page measured (scrollWidth > viewport).
//
//   node scripts/screenshots.mjs [--dist dist] [--out test-results/screens] [--as partner|operator|visitor]
//     [--widths 390,1366] [--langs fr,en] [--first-screen | --element '#css-selector'] /path ...
//
// It starts the built server (`--dist`, default dist/: run `npm run build` first) on a free port
// with a fresh embedded database and the demo data, signs in through the outbox's magic link
// (the demo partner, or the operator ops@example.com), and writes <out>/<name>-<lang>-<width>.png.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
/* global fetch */

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const dist = resolve(option('dist', 'dist'));
const out = resolve(option('out', 'test-results/screens'));
const as = option('as', 'partner');
const firstScreen = args.includes('--first-screen') ? (args.splice(args.indexOf('--first-screen'), 1), true) : false;
const element = option('element', null);
const widths = option('widths', '390,1366').split(',').map(Number);
const langs = option('langs', 'fr,en').split(',');
const paths = args.length ? args : ['/partner/portal'];
const EMAILS = { partner: 'lina.demo@example.com', operator: 'ops@example.com' };

const port = await new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => done(free));
  });
});
const origin = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'pe-screens-'));
const server = spawn(process.execPath, [join(dist, 'src/server.js')], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', BASE_URL: origin, DATA_DIR: dataDir, ADMIN_EMAILS: EMAILS.operator, SMTP_URL: '', DATABASE_URL: '', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let tries = 0; ; tries += 1) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok || tries > 600) break;
    } catch {
      if (tries > 600) throw new Error('the server did not start');
    }
    await sleep(100);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(out, { recursive: true });
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  if (as !== 'visitor') {
    const email = EMAILS[as];
    await page.goto(`${origin}/partners`);
    await page.getByLabel('Ton adresse email').fill(email);
    await page.getByRole('button', { name: 'Recevoir le lien d’accès' }).click();
    await page.waitForSelector('text=Vérifie ta boîte mail');
    const outbox = join(dataDir, 'outbox');
    const newest = readdirSync(outbox).map((f) => join(outbox, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    const mail = readFileSync(newest, 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const link = mail.match(/https?:\/\/[^\s"<>]+\/partner\/login[^\s"<>]*/)[0];
    await page.goto(link);
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.waitForLoadState('load');
  }
  for (const path of paths) {
    for (const lang of langs) {
      for (const width of widths) {
        await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
        const url = new URL(path, origin);
        url.searchParams.set('lang', lang);
        const response = await page.goto(url.href);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        const name = path.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-') || 'home';
        const file = join(out, `${name}-${lang}-${width}.png`);
        if (element) await page.locator(element).screenshot({ path: file });
        else await page.screenshot({ path: file, fullPage: !firstScreen });
        console.log(`${response?.status()} ${path} ${lang} ${width}px overflow=${overflow}px ${file}`);
      }
    }
  }
  await browser.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
