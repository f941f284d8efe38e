import * as assert from 'node:assert/strict';
import { environmentRows, formatGiB } from '../../src/core/display/environmentRows';
import { ageRefreshDelayMs, importedFrom, runRowDescription, runRowLabel, shortAge, visibleTags } from '../../src/core/display/runRow';

const NOW = Date.UTC(2026, 11, 2, 18, 0, 0);
const MIN = 60_000;

describe('Runs view row text', () => {
  it('puts the tags in the label (never cut) and the headline value first in the description', () => {
    assert.equal(runRowLabel('swift-otter-417', { best: '', data: 'v2', 'exptrack.source': 'task' }), 'swift-otter-417 #best #data=v2');
    assert.equal(runRowLabel('swift-otter-417', undefined), 'swift-otter-417');
    assert.equal(runRowDescription(['val_acc', '0.9123'], NOW - 3 * MIN, NOW), '0.9123 val_acc · 3m ago');
    assert.equal(runRowDescription(undefined, NOW, NOW), 'just now');
    assert.deepEqual(visibleTags({ 'exptrack.x': '1' }), []);
    assert.deepEqual(visibleTags({ best: 'true', data: 'v2' }), ['best', 'data=v2'], "the CLI's bare --tag best");
  });

  it('marks an imported run with its source and keeps the trackers\' bookkeeping tags off the row', () => {
    const tags = {
      'import.source': 'mlflow', 'import.id': '05e1247c', 'import.location': '/data/mlflow.db', 'mlflow.runName': 'spiffy-donkey-347',
      'mlflow.log-model.history': '[{"run_id": "05e1247c"}]', 'wandb.host': 'gpu-1', best: '',
    };
    assert.equal(runRowLabel('spiffy-donkey-347', tags), 'spiffy-donkey-347 #best');
    assert.equal(importedFrom(tags), 'from MLflow');
    assert.equal(importedFrom({ 'import.source': 'wandb' }), 'from W&B');
    assert.equal(importedFrom({ best: '' }), undefined);
    assert.equal(runRowDescription(['accuracy', '0.96'], NOW - 3 * MIN, NOW, importedFrom(tags)), '0.96 accuracy · from MLflow · 3m ago');
    assert.equal(runRowDescription(undefined, NOW, NOW, 'from CSV'), 'from CSV · just now');
  });

  it('ages: just now, minutes, hours, yesterday, days, then the date', () => {
    assert.equal(shortAge(NOW - 30_000, NOW), 'just now');
    assert.equal(shortAge(NOW - 90_000, NOW), '2m ago');
    assert.equal(shortAge(NOW - 5 * 60 * MIN, NOW), '5h ago');
    assert.equal(shortAge(NOW - 26 * 60 * MIN, NOW), 'yesterday');
    assert.equal(shortAge(NOW - 12 * 24 * 60 * MIN, NOW), '12d ago');
    assert.equal(shortAge(Date.UTC(2026, 0, 5), NOW), '2026-01-05');
    assert.equal(shortAge(NOW + 5000, NOW), 'just now', 'a clock a little ahead is not the future');
  });

  it('redraws an age when its label changes, at most every 10 s, and not past a day', () => {
    // "just now" becomes "1m ago" at 45 s; "1m" becomes "2m" at 90 s; "5h" becomes "6h" at 5.5 h.
    assert.equal(ageRefreshDelayMs(NOW - 20_000, NOW), 25_100);
    assert.equal(shortAge(NOW - 20_000, NOW + 25_100), '1m ago');
    assert.equal(ageRefreshDelayMs(NOW - 50_000, NOW), 40_100);
    assert.equal(shortAge(NOW - 50_000, NOW + 40_100), '2m ago');
    assert.equal(ageRefreshDelayMs(NOW - 5 * 60 * MIN, NOW), 30 * MIN + 100);
    assert.equal(ageRefreshDelayMs(NOW - 44_000, NOW), 10_000, 'never sooner than 10 s');
    assert.equal(ageRefreshDelayMs(NOW - 2 * 24 * 60 * MIN, NOW), undefined);
    assert.equal(ageRefreshDelayMs(undefined, NOW), undefined);
  });
});

describe('environment rows', () => {
  it('formats sizes, leaves out empty values, folds long lists and puts a GPU on one line', () => {
    const packages = Array.from({ length: 40 }, (_, i) => `pkg${i}==1.${i}`);
    const rows = environmentRows({
      os: { platform: 'linux', release: '6.8' }, host: 'box', user: null,
      cpus: { count: 8, model: 'Xeon' }, memoryBytes: 33_554_432_000, gpus: [],
      envVars: { CUDA_VISIBLE_DEVICES: '0' }, python: { version: '3.11.9', sitePackages: ['/a', '/b'], environment: null },
      packages, packagesSource: 'pip freeze',
    });
    assert.deepEqual(rows, [
      { key: 'os.platform', value: 'linux' }, { key: 'os.release', value: '6.8' }, { key: 'host', value: 'box' },
      { key: 'cpus.count', value: '8' }, { key: 'cpus.model', value: 'Xeon' }, { key: 'memory', value: '31 GiB' },
      { key: 'envVars.CUDA_VISIBLE_DEVICES', value: '0' }, { key: 'python.version', value: '3.11.9' },
      { key: 'python.sitePackages', value: '/a, /b' }, { key: 'packages', items: packages }, { key: 'packagesSource', value: 'pip freeze' },
    ]);
    assert.deepEqual(environmentRows({ gpus: [{ index: 0, name: 'NVIDIA A100', memoryMiB: 40960, driver: '535.1' }] }),
      [{ key: 'gpus.0', value: 'NVIDIA A100 · 40 GiB · driver 535.1' }]);
    assert.equal(formatGiB(8 * 2 ** 30), '8.0 GiB');
    assert.equal(formatGiB(512 * 2 ** 20), '512 MiB');
  });
});
