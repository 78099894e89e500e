import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runNode, startServer } from '../support/processes.js';

describe('the CLI on the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-cli-'));
  const env = { DATA_DIR: join(cwd, 'data') };
  const cli = (...args: string[]) => runNode('dist/src/cli/index.js', args, env, cwd);
  beforeAll(() => ensureBuilt());

  it('creates, lists, pauses and ends campaigns; lists and suspends partners; verifies the summaries', async () => {
    const created = await cli('campaigns', 'create', '--name', 'CLI campaign', '--url', 'https://brand.example/cli', '--rate', '0,25', '--post', 'Regarde {link}');
    expect(created.output).toMatch(/Created campaign [0-9a-f-]{36} \(CLI campaign, €0\.25 per valid click\)/);
    expect(created.code).toBe(0);
    const id = /Created campaign ([0-9a-f-]{36})/.exec(created.output)![1]!;
    expect((await cli('campaigns', 'list')).output).toContain('CLI campaign');
    expect((await cli('campaigns', 'pause', id)).output).toContain('is now paused');
    const again = await cli('campaigns', 'pause', id);
    expect(again.code).toBe(1);
    expect(again.output).toContain('Cannot go from “paused” to “paused”');
    expect((await cli('campaigns', 'end', id)).output).toContain('is now ended');
    const bad = await cli('campaigns', 'create', '--name', 'Bad', '--url', 'javascript:alert(1)');
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('Invalid targetUrl');
    expect((await cli('campaigns', 'pause', 'nope')).output).toContain('No such campaign.');
    expect((await cli('campaigns', 'create', '--colour', 'red')).code).toBe(2);

    expect((await cli('demo', 'load')).output).toContain('only loaded into an empty database');
    expect((await cli('partners', 'list')).output).toContain('No partner.');
    expect((await cli('stats', 'verify')).output).toContain('Daily summaries match the click ledger.');
    expect((await cli('partners', 'suspend', 'ghost@example.com')).output).toContain('No such partner.');
  });

  it('refuses to run while the server holds the data directory', async () => {
    const server = await startServer({ ...env, DEMO_DATA: 'false' }, cwd);
    try {
      const refused = await cli('campaigns', 'list');
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('is already open in process');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('loads demo data into a new data directory and shows partners', async () => {
    const fresh = { DATA_DIR: join(mkdtempSync(join(tmpdir(), 'pe-cli-')), 'data') };
    const loaded = await runNode('dist/src/cli/index.js', ['demo', 'load'], fresh, cwd);
    expect(loaded.output).toMatch(/Demo data loaded: 3 campaigns, 6 partners, \d+ clicks\./);
    const partners = await runNode('dist/src/cli/index.js', ['partners', 'list'], fresh, cwd);
    expect(partners.output).toContain('lina.demo@example.com');
    const suspended = await runNode('dist/src/cli/index.js', ['partners', 'suspend', 'lina.demo@example.com', '--reason', 'test'], fresh, cwd);
    expect(suspended.output).toContain('Partner lina.demo@example.com is now suspended.');
    expect((await runNode('dist/src/cli/index.js', ['stats', 'verify'], fresh, cwd)).code).toBe(0);
  });
});
