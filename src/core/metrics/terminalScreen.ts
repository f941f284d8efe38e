// Console output as a terminal would leave it on screen: a progress bar's `\r` redraws replace the
// line instead of piling up, backspaces and erase-in-line take effect, cursor moves between lines
// (tqdm's nested bars) land on the line they address, and every other escape (colours, VS Code's
// shell-integration marks) is dropped. The Run panel shows a run's output through this; output.log
// itself keeps every byte.
import { skipEscape } from './terminalText';

const ESC = 0x1b;

/** Cursor moves this far up at most: a log's tail does not hold the screen the program drew on. */
const MAX_ROWS_UP = 100;

/** The text `output` leaves on a terminal screen, lines joined with `\n`. */
export function terminalScreen(output: string): string {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < output.length; i++) {
    const c = output.charCodeAt(i);
    if (c === 0x0a) { // \n: logs come from pipes, where a newline also returns the carriage
      row++;
      col = 0;
      line();
      continue;
    }
    if (c === 0x0d) { col = 0; continue; }
    if (c === 0x08) { if (col > 0) col--; continue; }
    if (c === ESC) {
      const end = skipEscape(output, i);
      if (output.charCodeAt(i + 1) === 0x5b /* [ */) {
        const moved = csi(output.slice(i + 2, end), output[end], row, col, line());
        row = moved.row;
        col = moved.col;
        line();
      }
      i = end;
      continue;
    }
    if (c < 0x20 && c !== 0x09) continue; // BEL and other controls show nothing
    const l = line();
    while (l.length < col) l.push(' ');
    l[col++] = output[i];
  }
  return rows.map((r) => (r ? r.join('') : '')).join('\n');
}

/** Applies the CSI sequences that change what is on screen (erase, cursor moves); the rest are colours and modes. */
function csi(params: string, final: string, row: number, col: number, line: string[]): { row: number; col: number } {
  const n = Number.parseInt(params, 10);
  const count = Number.isFinite(n) && n > 0 ? n : 1;
  switch (final) {
    case 'K': // erase in line: 0 to the end, 1 to the cursor, 2 all
      if (!params || params === '0') line.length = Math.min(line.length, col);
      else if (params === '1') for (let j = 0; j <= col && j < line.length; j++) line[j] = ' ';
      else if (params === '2') line.length = 0;
      return { row, col };
    case 'A': return { row: Math.max(0, row - Math.min(count, MAX_ROWS_UP)), col };
    case 'B': return { row: row + count, col };
    case 'C': return { row, col: col + count };
    case 'D': return { row, col: Math.max(0, col - count) };
    case 'G': return { row, col: count - 1 };
    case 'E': return { row: row + count, col: 0 };
    case 'F': return { row: Math.max(0, row - count), col: 0 };
    default: return { row, col };
  }
}
