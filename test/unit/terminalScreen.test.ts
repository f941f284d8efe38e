import * as assert from 'node:assert/strict';
import { withoutShellIntegration } from '../../src/core/metrics/shellIntegrationMarks';
import { terminalScreen } from '../../src/core/metrics/terminalScreen';

describe('terminalScreen (console output as a terminal shows it)', () => {
  it('keeps only the last redraw of a \\r progress bar', () => {
    const tqdm = 'Epoch 1:   0%|          | 0/3\rEpoch 1:  33%|###       | 1/3\rEpoch 1: 100%|##########| 3/3\n';
    assert.equal(terminalScreen(`start\n${tqdm}done`), 'start\nEpoch 1: 100%|##########| 3/3\ndone');
  });

  it('overwrites in place: a shorter redraw leaves the rest of the line, erase-in-line clears it', () => {
    assert.equal(terminalScreen('loss 0.123456\rloss 0.5'), 'loss 0.523456');
    assert.equal(terminalScreen('loss 0.123456\r\x1b[Kloss 0.5'), 'loss 0.5');
    assert.equal(terminalScreen('loss 0.123456\r\x1b[2Kloss 0.5'), 'loss 0.5');
    assert.equal(terminalScreen('abc\b\bX'), 'aXc');
  });

  it('drops colours and VS Code\'s shell-integration marks, and \\r\\n is one line end', () => {
    assert.equal(terminalScreen('\x1b]633;C\x07\x1b[32mok\x1b[0m\r\nnext\r\n'), 'ok\nnext\n');
    assert.equal(terminalScreen('a\x07b\x1b(Bc'), 'abc');
  });

  it('puts nested progress bars (cursor up) on the line they address', () => {
    // tqdm with two bars: the inner bar is redrawn on the line below, then the cursor goes back up.
    const out = 'outer 0/2\n\rinner 0/5\x1b[A\router 1/2\n\rinner 5/5\x1b[A\n\n';
    assert.equal(terminalScreen(out), 'outer 1/2\ninner 5/5\n');
    // A move above the first line of the tail stays on it.
    assert.equal(terminalScreen('x\x1b[5Ay'), 'xy');
  });

  it('leaves plain text alone, HTML included (the panel shows it as text)', () => {
    const s = 'epoch 1 loss=2.31\n<b>not bold</b>\n\ttabbed';
    assert.equal(terminalScreen(s), s);
  });
});

describe('withoutShellIntegration (output.log content)', () => {
  it('removes OSC 633 and OSC 133 marks, BEL- or ST-terminated, and nothing else', () => {
    const chunk = '\x1b]633;C\x07\x1b[31mred\x1b[0m\r\nline\x1b]133;D;0\x1b\\\x1b]633;E;python train.py;nonce\x07\x1b]0;title\x07';
    assert.equal(withoutShellIntegration(chunk), '\x1b[31mred\x1b[0m\r\nline\x1b]0;title\x07');
    const plain = 'loss=0.5\r\n\x1b[2K\rprogress';
    assert.equal(withoutShellIntegration(plain), plain);
  });
});
