// The one formatter (src/protocol/format.ts) that the Runs view, the panels and the CLI share.
import * as assert from 'node:assert/strict';
import { formatBytes, formatDateTime, formatDelta, formatDuration, formatParam, formatValue } from '../../src/protocol/format';

describe('format (tree, panels and CLI)', () => {
  it('shows metric values compactly and exactly enough', () => {
    const cases: [number | null | undefined, string][] = [
      [0.91234, '0.9123'], [3e-4, '0.0003'], [1.5e-5, '1.5e-5'], [-2.5e-7, '-2.5e-7'], [12345.678, '12350'],
      [1234567.5, '1.235e6'], [1500000, '1500000'], [42, '42'], [0, '0'], [-0, '0'],
      [NaN, 'NaN'], [Infinity, '∞'], [-Infinity, '-∞'], [null, '—'], [undefined, '—'], [1e21, '1e21'],
    ];
    for (const [v, want] of cases) assert.equal(formatValue(v), want, String(v));
    assert.equal(formatDelta(0.05), '+0.05');
    assert.equal(formatDelta(-1.2e-5), '−1.2e-5');
    assert.equal(formatDelta(0), '±0');
  });

  it('shows params as recorded, integers whole', () => {
    assert.equal(formatParam(123456789), '123456789', 'a seed is not 1.235e8');
    assert.equal(formatParam(3e-4), '0.0003');
    assert.equal(formatParam('adam'), 'adam');
    assert.equal(formatParam(true), 'true');
    assert.equal(formatParam(null), 'null');
    assert.equal(formatParam(undefined), '—');
  });

  it('shows durations, sizes and start times one way', () => {
    const cases: [number | null, string][] = [
      [null, '—'], [350, '350ms'], [4_200, '4s'], [42_000, '42s'], [65_000, '1m 5s'], [3_723_000, '1h 2m'], [50 * 3_600_000, '2d 2h'],
    ];
    for (const [ms, want] of cases) assert.equal(formatDuration(ms), want, String(ms));
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(12 * 1024), '12 KB');
    assert.equal(formatBytes(3.4 * 1024 ** 3), '3.4 GB');
    assert.equal(formatBytes(null), '—');
    assert.equal(formatDateTime(new Date(2026, 0, 31, 9, 5).getTime()), '2026-01-31 09:05');
  });
});
