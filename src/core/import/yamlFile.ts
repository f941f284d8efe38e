// YAML files other tools wrote (MLflow meta.yaml, DVCLive params, W&B config), read without the
// warnings the parser prints for tags it does not know (`!!python/name:...`).
import fs from 'node:fs';
import { parse } from 'yaml';
import type { SkipReport } from './importedRun';

/** The parsed document, or undefined (reported, unless the file does not exist). */
export function readYamlFile(file: string, skip: SkipReport): unknown {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') skip({ path: file, reason: `cannot read: ${(e as Error).message}` });
    return undefined;
  }
  try {
    return parse(text, { logLevel: 'silent', uniqueKeys: false });
  } catch (e) {
    skip({ path: file, reason: `not readable YAML: ${(e as Error).message.split('\n')[0]}` });
    return undefined;
  }
}

/** A YAML mapping as a record, or an empty one. */
export function asRecord(doc: unknown): Record<string, unknown> {
  return doc && typeof doc === 'object' && !Array.isArray(doc) ? doc as Record<string, unknown> : {};
}
