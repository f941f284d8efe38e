import fs from 'node:fs';
import path from 'node:path';
import { MetricParser, type MetricParserOptions, type ParsedMetric } from '../core/metrics/metricParser';
import { readParserConfig } from '../core/metrics/parserConfig';
import { findStoreDir } from '../core/store/findStoreDir';
import type { CliIo } from './cliIo';

const USAGE = 'usage: exptrack parse [FILE|-]';

/** One metric as `exptrack parse` prints it: NaN as null, ±Infinity as the strings "Infinity"/"-Infinity". */
export function metricJsonLine(m: ParsedMetric): string {
  const value = Number.isNaN(m.value) ? null : m.value === Infinity ? 'Infinity' : m.value === -Infinity ? '-Infinity' : m.value;
  return JSON.stringify({ key: m.key, value, step: m.step, line: m.line });
}

/**
 * `exptrack parse [FILE|-]`: streams console output through the metric parser (with the patterns of
 * `.exptrack/config.json`) and prints one JSON object per metric found. Exit 0, 1 when the file
 * cannot be read, 2 for usage errors.
 */
export async function parseCommand(argv: readonly string[], io: CliIo, stdin: NodeJS.ReadableStream): Promise<number> {
  const rest = argv[0] === '--' ? argv.slice(1) : argv;
  const unknown = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknown || rest.length > 1) {
    io.stderr(`exptrack parse: ${unknown ? `unknown option ${unknown}` : 'one FILE at most'}\n${USAGE}\n`);
    return 2;
  }
  let options: MetricParserOptions = {};
  try {
    options = readParserConfig(findStoreDir(io.cwd, io.env).dir);
  } catch (e) {
    io.stderr(`exptrack: ${(e as Error).message}; using the built-in rules\n`);
  }
  const parser = new MetricParser(options);
  const input = rest.length === 0 || rest[0] === '-' ? stdin : fs.createReadStream(path.resolve(io.cwd, rest[0]), { highWaterMark: 1024 * 1024 });
  const print = (found: readonly ParsedMetric[]): void => {
    if (!found.length) return;
    let out = '';
    for (const m of found) out += `${metricJsonLine(m)}\n`;
    io.stdout(out);
  };
  try {
    for await (const chunk of input) print(parser.push(typeof chunk === 'string' ? chunk : (chunk as Buffer)));
  } catch (e) {
    io.stderr(`exptrack parse: ${(e as Error).message}\n`);
    return 1;
  }
  print(parser.end());
  const { metrics, droppedPairs } = parser.stats;
  if (metrics === 0 && droppedPairs > 0) {
    // Said on stderr, so stdout stays one JSON object per metric.
    io.stderr(`exptrack parse: ${droppedPairs} name/value pair${droppedPairs === 1 ? '' : 's'} read, none of them a metric by the built-in rules `
      + '(single letters, counts, settings and unknown names are left out); to record them, add a pattern to "metrics.patterns" '
      + 'in .exptrack/config.json (docs/metrics-parsing.md, Configuration)\n');
  }
  return 0;
}
