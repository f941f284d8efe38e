import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MetricParser } from '../../src/core/metrics/metricParser';
import { ParserConfigError, readParserConfig } from '../../src/core/metrics/parserConfig';

describe('readParserConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (text: string): void => fs.writeFileSync(path.join(dir, 'config.json'), text);
  const failure = (): string => {
    try {
      readParserConfig(dir);
    } catch (e) {
      assert.ok(e instanceof ParserConfigError, `not a ParserConfigError: ${String(e)}`);
      assert.ok(e.message.startsWith(path.join(dir, 'config.json')), e.message);
      return e.message;
    }
    assert.fail('expected a ParserConfigError');
  };

  it('gives no options when there is no file or no metrics section', () => {
    assert.deepEqual(readParserConfig(dir), {});
    write('{"other": 1}');
    assert.deepEqual(readParserConfig(dir), {});
  });

  it('reads patterns and the ignore list, and the parser uses them', () => {
    write(JSON.stringify({
      metrics: {
        patterns: [{ name: 'bleu', regex: 'BLEU4 = (?<value>[\\d.]+)', key: 'bleu' }, { name: 'kv', regex: '^@(?<key>\\w+)#(?<step>\\d+)=(?<value>\\S+)' }],
        ignore: ['grad_norm', '^time/'],
      },
    }));
    const options = readParserConfig(dir);
    assert.equal(options.patterns?.length, 2);
    assert.deepEqual(options.ignore, ['grad_norm', '^time/']);
    const p = new MetricParser(options);
    const out = [...p.push('BLEU4 = 27.31, 60.1/33.2/20.5/13.0 (BP=1.000)\n@wer#12=0.25\nloss=0.5 grad_norm=2.0\n'), ...p.end()];
    assert.deepEqual(out.map((m) => [m.key, m.value, m.step]), [['bleu', 27.31, 0], ['wer', 0.25, 12], ['loss', 0.5, 0]]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    write('\uFEFF{"metrics": {"ignore": ["lr"]}}');
    assert.deepEqual(readParserConfig(dir), { ignore: ['lr'] });
  });

  it('explains a file that is not JSON', () => {
    write('{"metrics": {');
    assert.match(failure(), /not valid JSON/);
  });

  it('explains a wrong shape', () => {
    write('[1, 2]');
    assert.match(failure(), /expected a JSON object/);
    write('{"metrics": []}');
    assert.match(failure(), /"metrics" must be an object/);
    write('{"metrics": {"patterns": {}}}');
    assert.match(failure(), /"metrics.patterns" must be an array/);
    write('{"metrics": {"ignore": [1]}}');
    assert.match(failure(), /"metrics.ignore" must be an array of strings/);
  });

  it('names the pattern with a bad regex or missing groups', () => {
    write(JSON.stringify({ metrics: { patterns: [{ name: 'broken', regex: '(?<value>[0-9' }] } }));
    assert.match(failure(), /metrics\.patterns\[0\] \(broken\): invalid regex/);
    write(JSON.stringify({ metrics: { patterns: [{ name: 'novalue', regex: 'loss (?<key>\\w+)' }] } }));
    assert.match(failure(), /named group "value"/);
    write(JSON.stringify({ metrics: { patterns: [{ name: 'nokey', regex: 'loss (?<value>\\S+)' }] } }));
    assert.match(failure(), /named group "key" or set "key"/);
    write(JSON.stringify({ metrics: { ignore: ['(unclosed'] } }));
    assert.match(failure(), /metrics\.ignore "\(unclosed": invalid regex/);
  });
});
