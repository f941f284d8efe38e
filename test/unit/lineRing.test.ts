import assert from 'node:assert/strict';
import { LineRing } from '../../src/core/store/lineRing';

describe('LineRing (the journal appender\'s window of metric lines)', () => {
  it('keeps the newest lines whole and in order, and names every line it drops, oldest first', () => {
    // xorshift32, seeded: lengths from 1 to 300 over a 1,000-byte ring, many laps.
    let x = 0x2545f491;
    const next = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % 300 + 1; };
    const dropped: number[] = [];
    const ring = new LineRing<number>(1000, (i) => dropped.push(i));
    const pushed: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = String.fromCharCode(33 + (i % 90)).repeat(next() - 1) + String(i % 10);
      pushed.push(line);
      ring.push(line, i);
      const kept = [...ring.lines()];
      const first = kept.length ? kept[0][1] : pushed.length;
      // Every line is either kept or was dropped, exactly once, in the order pushed.
      assert.deepEqual(dropped, Array.from({ length: first }, (_, k) => k));
      assert.deepEqual(kept.map(([, m]) => m), Array.from({ length: pushed.length - first }, (_, k) => first + k));
      for (const [text, m] of kept) assert.equal(text, pushed[m]);
      const bytes = kept.reduce((a, [t]) => a + t.length, 0);
      assert.ok(bytes <= 1000);
      // Nearly full once it has gone round: at most two lines' worth of room is unused (the skipped end).
      if (i > 100) assert.ok(bytes >= 1000 - 2 * 300, `kept ${bytes} bytes`);
    }
  });

  it('drops at once a line longer than the whole ring', () => {
    const dropped: string[] = [];
    const ring = new LineRing<string>(10, (m) => dropped.push(m));
    ring.push('abc', 'a');
    ring.push('x'.repeat(11), 'long');
    assert.deepEqual(dropped, ['long']);
    assert.deepEqual([...ring.lines()], [['abc', 'a']]);
  });
});
