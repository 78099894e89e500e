#!/usr/bin/env node
// Runs every Vitest suite once and refuses a green run that skipped something: each tier
// (unit, db, api, process, e2e) must have executed tests, and nothing may be skipped or todo.
// Installs Debian's Chromium first when the machine has none (a fresh machine of this kind).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const REQUIRED_TIERS = ['unit', 'db', 'api', 'process', 'e2e'];

// The browser tests run Debian's Chromium, never a downloaded browser. On a fresh machine of this
// kind it is not there yet: as root with apt-get, install it; otherwise say what is missing.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const canInstall = !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(`✗ No Chromium at ${chromium}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  console.log(`Installing Debian's Chromium for the browser tests (${chromium} is missing)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const step = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (step.status !== 0 || (args[0] === 'install' && !existsSync(chromium))) {
      console.error(`✗ apt-get ${args.join(' ')} failed: Chromium is needed by the browser tests.`);
      process.exit(1);
    }
  }
}
// The image variants burn « Publicité » into pictures in DejaVu Sans (autopilot/image-variants.ts);
// a fresh machine of this kind may lack the font: install it as Chromium is installed.
const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
if (!existsSync(dejavu)) {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    console.error(`✗ No ${dejavu}: install Debian's fonts-dejavu-core (the image tests draw their disclosure with it).`);
    process.exit(1);
  }
  console.log('Installing Debian\'s fonts-dejavu-core for the image tests…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'fonts-dejavu-core']]) {
    const step = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (step.status !== 0 || (args[0] === 'install' && !existsSync(dejavu))) {
      console.error(`✗ apt-get ${args.join(' ')} failed: the image tests need DejaVu Sans.`);
      process.exit(1);
    }
  }
}
const report = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });

const run = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

let results;
try {
  results = JSON.parse(readFileSync(report, 'utf8'));
} catch (error) {
  console.error(`No test report (${error.message}); vitest exited with ${run.status}.`);
  process.exit(1);
}

const problems = [];
const perTier = Object.fromEntries(REQUIRED_TIERS.map((tier) => [tier, 0]));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of results.testResults) {
  const tier = /\/test\/([^/]+)\//.exec(file.name)?.[1];
  for (const test of file.assertionResults) {
    if (test.status === 'passed') {
      passed++;
      if (tier in perTier) perTier[tier]++;
    } else if (test.status === 'failed') failed++;
    else skipped++;
  }
  if (file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed')) {
    problems.push(`${file.name} failed outside any test: ${file.message ?? 'see above'}`);
    failed++;
  }
}
for (const [tier, count] of Object.entries(perTier)) {
  if (count === 0) problems.push(`no test of the "${tier}" tier ran`);
}
if (skipped > 0) problems.push(`${skipped} test(s) were skipped or left todo: every suite must run`);

console.log('');
for (const [tier, count] of Object.entries(perTier)) console.log(`  ${tier.padEnd(8)} ${count} passed`);
for (const problem of problems) console.error(`✗ ${problem}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 && problems.length === 0 ? 0 : 1);
