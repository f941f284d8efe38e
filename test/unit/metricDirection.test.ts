import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { directionOverrides, inferMetricDirection, isBetter, parseMetricDirection, relativeWorsening } from '../../src/core/metrics/metricDirection';
import { DEFAULT_TOLERANCE, readMetricsConfig, toleranceFor, writeMetricDirection } from '../../src/core/metrics/metricsConfig';

const made: string[] = [];
after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-dir-'));
  made.push(d);
  return d;
}

describe('metric direction', () => {
  it('reads the direction from the key\'s last meaningful word', () => {
    for (const k of ['loss', 'val/loss', 'eval_error', 'test.perplexity', 'wer', 'trainMSE', 'mae', 'val_loss_acc_free_loss']) assert.equal(inferMetricDirection(k), 'lower', k);
    for (const k of ['acc', 'val/accuracy', 'f1', 'eval_auc', 'mAP', 'episode_reward', 'loss_weighted_acc']) assert.equal(inferMetricDirection(k), 'higher', k);
    for (const k of ['lr', 'epoch', 'grad_norm', 'tokens_per_sec', '']) assert.equal(inferMetricDirection(k), undefined, k);
  });

  it('lets an override for the exact key win over the name', () => {
    assert.equal(inferMetricDirection('loss', { loss: 'higher' }), 'higher');
    assert.equal(inferMetricDirection('score', { score: 'lower' }), 'lower');
    assert.equal(inferMetricDirection('val_loss', { loss: 'higher' }), 'lower');
    // An inherited property is no override.
    assert.equal(inferMetricDirection('constructor', {}), undefined);
  });

  it('parses the spellings users write (lower/min, higher/max) and names the rest', () => {
    assert.equal(parseMetricDirection('min'), 'lower');
    assert.equal(parseMetricDirection(' Maximize '), 'higher');
    assert.equal(parseMetricDirection('up'), undefined);
    assert.equal(parseMetricDirection(1), undefined);
    assert.deepEqual(directionOverrides({ a: 'max', b: 'lower', c: 'sideways' }), { directions: { a: 'higher', b: 'lower' }, invalid: ['c'] });
    assert.deepEqual(directionOverrides(null), { directions: {}, invalid: [] });
  });

  it('measures how much worse a value is, relative to the reference, by direction', () => {
    assert.ok(Math.abs(relativeWorsening('lower', 0.412, 0.38) - 0.0842) < 1e-3);
    assert.ok(relativeWorsening('higher', 0.412, 0.38) < 0);
    assert.equal(relativeWorsening('higher', 0.9, 0.9), 0);
    assert.equal(relativeWorsening('lower', 1, 0), Infinity);
    assert.equal(relativeWorsening('lower', -1, 0), -Infinity);
    assert.equal(relativeWorsening('lower', NaN, 0.3), Infinity);
    // A negative reference (log-likelihoods, rewards) is scaled by its size.
    assert.ok(Math.abs(relativeWorsening('higher', -12, -10) - 0.2) < 1e-12);
    assert.equal(isBetter('lower', 1, 2), true);
    assert.equal(isBetter('higher', 1, 2), false);
    assert.equal(isBetter('higher', NaN, 2), false);
    assert.equal(isBetter('higher', 2, NaN), true);
  });
});

describe('metrics config (.exptrack/config.json)', () => {
  it('gives the defaults without a file', () => {
    const { config, problems } = readMetricsConfig(tempDir());
    assert.deepEqual(problems, []);
    assert.equal(config.tolerance, DEFAULT_TOLERANCE);
    assert.equal(toleranceFor(config, 'val_loss'), 0.01);
  });

  it('reads directions and tolerances, and names wrong entries without throwing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
      metrics: { patterns: [], directions: { score: 'max', bad: 'up' }, tolerance: 0.05, tolerances: { val_loss: 0.002, x: -1 } },
    }));
    const { config, problems } = readMetricsConfig(dir);
    assert.deepEqual(config.directions, { score: 'higher' });
    assert.equal(toleranceFor(config, 'val_loss'), 0.002);
    assert.equal(toleranceFor(config, 'other'), 0.05);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /metrics\.directions\.bad/);
    assert.match(problems.join('\n'), /metrics\.tolerances\.x/);
  });

  it('reports a file that is not JSON and carries on with the defaults', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ nope');
    const { config, problems } = readMetricsConfig(dir);
    assert.equal(config.tolerance, DEFAULT_TOLERANCE);
    assert.match(problems[0], /not valid JSON/);
  });

  it('writes one direction and keeps everything else in the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ recorder: { outputGlobs: ['a/**'] }, metrics: { ignore: ['lr'], directions: { a: 'lower' } } }));
    writeMetricDirection(dir, 'score', 'higher');
    writeMetricDirection(dir, 'a', null);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(json, { recorder: { outputGlobs: ['a/**'] }, metrics: { ignore: ['lr'], directions: { score: 'higher' } } });
    assert.deepEqual(readMetricsConfig(dir).config.directions, { score: 'higher' });
  });

  it('refuses to overwrite a config file it cannot read as JSON', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{ "metrics": ');
    assert.throws(() => writeMetricDirection(dir, 'score', 'higher'), /not valid JSON/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{ "metrics": ');
  });

  it('creates the file when there is none', () => {
    const dir = path.join(tempDir(), '.exptrack');
    writeMetricDirection(dir, 'score', 'lower');
    assert.deepEqual(readMetricsConfig(dir).config.directions, { score: 'lower' });
  });
});
