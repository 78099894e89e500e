/** Tables have owners: no file imports the table object of a module it is not part of. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schema, TABLE_OWNERS } from '../../src/db/schema.js';
import { projectRoot } from '../../src/lib/project-root.js';

const SRC = join(projectRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The names a file imports from db/schema.js. */
function schemaImports(text: string): string[] {
  return [...text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'[./]*db\/schema\.js'/g)].flatMap((m) =>
    m[1]!.split(',').map((name) => name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!).filter(Boolean),
  );
}

describe('table owners', () => {
  it('names an owner for every table of the schema', () => {
    expect(Object.keys(TABLE_OWNERS).sort()).toEqual(Object.keys(schema).sort());
  });

  it('lets only the owner module (and the database layer) import a table object', () => {
    const tables = new Set(Object.keys(TABLE_OWNERS));
    const trespasses: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const where = relative(SRC, file);
      if (where.startsWith('db/')) continue;
      const text = readFileSync(file, 'utf8');
      // Every table at once, by a namespace or the schema object: only the database layer.
      if (/import\s+\*\s+as\s+\w+\s+from\s+'[./]*db\/schema\.js'/.test(text)) trespasses.push(`${where} imports the whole schema as a namespace`);
      for (const name of schemaImports(text)) {
        if (name === 'schema') trespasses.push(`${where} imports the schema object (every table)`);
        if (!tables.has(name)) continue; // constants and types (verdicts, statuses) are everyone's
        const owner = TABLE_OWNERS[name as keyof typeof TABLE_OWNERS];
        if (!where.startsWith(`${owner}/`)) trespasses.push(`${where} imports ${name}, owned by ${owner}`);
      }
    }
    expect(trespasses).toEqual([]);
  });

  it('sees the imports it checks (the check itself can fail)', () => {
    expect(schemaImports("import { partners, type CampaignStatus } from '../../db/schema.js';")).toEqual(['partners', 'CampaignStatus']);
  });
});
