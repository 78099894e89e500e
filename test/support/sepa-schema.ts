import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { projectRoot } from '../../src/lib/project-root.js';

const schema = readFileSync(join(projectRoot, 'test/fixtures/pain.001.001.03.xsd'), 'utf8');

/** Validates a document against pain.001.001.03 with libxml2 (compiled to WebAssembly). */
export async function sepaSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'payout.xml', contents: xml }], schema: [schema] });
  return result.valid ? [] : result.errors.map((e) => e.message);
}
