// Tables in logs: box tables with one `| name | value |` row per line (Stable-Baselines3, Lightning's
// test summary) and header-row tables where a line of column names is followed by numeric rows
// (fastai, Ultralytics, scikit-learn's gradient boosting). Multi-line, so they keep a little state.

import { KeyKind, keyKind, stepPriority } from './metricKeys';

/** Rows read from a table, emitted together. */
export interface TableRows {
  readonly points: readonly { readonly key: string; readonly value: number; readonly line: number }[];
  readonly step: number | undefined;
  readonly epoch: number | undefined;
}

interface BoxPoint { key: string; value: number; line: number }

const BOX_ROW_RE = /^\s*[|│┃]\s*([^|│┃]*?)\s*[|│┃]\s*([^|│┃]*?)\s*[|│┃]\s*$/;
const BORDER_RE = /^\s*[-─━═=+┏┓┗┛┡┩└┘┌┐├┤┬┴┼╇┳┻╋╞╡╪╭╮╰╯|│┃ ]{5,}$/;
const CELL_NUMBER_RE = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|infinity)%?$/i;
const HEADER_CELL_RE = /^(?:[A-Za-z_(][\w.\-/@()%]*|#)$/;
const FRACTION_RE = /^(\d+)\/(\d+)$/;
const TIME_RE = /^\d+(?::\d+)+(?:\.\d+)?$/;
const UNIT_RE = /^\d+(?:\.\d+)?[A-Za-z]{1,3}$/;

function cellNumber(c: string): number {
  const t = c.endsWith('%') ? c.slice(0, -1) : c;
  const l = t.toLowerCase();
  if (l.endsWith('nan')) return NaN;
  if (l.endsWith('inf') || l.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

function cleanHeaderCell(c: string, index: number): string {
  // spaCy's table: `E` (epoch) and `#` (step) head the first two columns.
  if (c === '#') return 'step';
  if (c === 'E' && index === 0) return 'epoch';
  let s = c.replace(/[:)]+$/, '');
  const open = s.lastIndexOf('(');
  if (open >= 0) s = s.slice(open + 1);
  return s;
}

const CSV_HEADER_RE = /^\s*[A-Za-z_][\w./@-]*(?:,[A-Za-z_][\w./@-]*)+\s*$/;

function isUsefulColumn(name: string): boolean {
  const k = keyKind(name);
  return k === KeyKind.Measured || k === KeyKind.Step;
}

/** Cells of a `| a | b | c |` row (markdown tables, detectron2's results), or null for other lines. */
function splitPiped(t: string): string[] | null {
  if (!t.includes('|')) return null;
  const inner = t.replace(/^\|/, '').replace(/\|$/, '');
  const cells = inner.split('|').map((c) => c.trim());
  return cells.length >= 2 && cells.every((c) => c.length > 0 && !/\s/.test(c)) ? cells : null;
}

/** Keeps the state of box tables and header-row tables across lines. */
export class TableReader {
  private box: BoxPoint[] = [];
  private boxPrefix = '';
  private header: { one: string[]; spaced: string[]; csv: boolean } | null = null;

  /** No table open: a line that is not a box row or a header is then no table's business. */
  get idle(): boolean {
    return this.box.length === 0 && this.header === null;
  }

  /** A line without numbers: a border, a box-table section, or maybe a header row. */
  noNumberLine(text: string, _line: number): TableRows[] | null {
    if (BORDER_RE.test(text)) {
      const flushed = this.flush();
      this.boxPrefix = '';
      return flushed;
    }
    const m = BOX_ROW_RE.exec(text);
    if (m) {
      if (m[1].endsWith('/') && m[2] === '') this.boxPrefix = m[1];
      return null;
    }
    const flushed = this.flush();
    if (!this.headerCandidate(text) && !text.includes('%|')) this.otherLine(text);
    return flushed;
  }

  /** A `| name | value |` row. `handled` is false when the line is not one (any open table is then flushed). */
  boxRow(text: string, line: number): { handled: boolean; flushed: TableRows[] | null } {
    let f = 0;
    while (f < text.length && (text.charCodeAt(f) === 0x20 || text.charCodeAt(f) === 0x09)) f++;
    const c0 = text.charCodeAt(f);
    if (c0 !== 0x7c && c0 !== 0x2502 && c0 !== 0x2503) return { handled: false, flushed: this.box.length > 0 ? this.flush() : null };
    const m = BOX_ROW_RE.exec(text);
    if (!m) return { handled: false, flushed: this.box.length > 0 ? this.flush() : null };
    const name = m[1];
    const value = m[2];
    if (CELL_NUMBER_RE.test(value) && /^[A-Za-z_][\w.\-/@ ]*$/.test(name)) {
      this.box.push({ key: this.boxPrefix + name, value: cellNumber(value), line });
    } else if (name.endsWith('/') && value === '') {
      this.boxPrefix = name;
    }
    return { handled: true, flushed: null };
  }

  /** Ends an open box table: emits it when it looks like metrics (a measured key or a step key). */
  flush(): TableRows[] | null {
    if (this.box.length === 0) return null;
    const rows = this.box;
    this.box = [];
    let step: number | undefined;
    let prio = 0;
    let epoch: number | undefined;
    let measured = false;
    const points: BoxPoint[] = [];
    for (const r of rows) {
      const kind = keyKind(r.key);
      if (kind === KeyKind.Step) {
        const p = stepPriority(r.key);
        if (p === 0) continue;
        if (p === 1) epoch = r.value;
        else if (p > prio) {
          step = r.value;
          prio = p;
        }
        continue;
      }
      if (kind === KeyKind.Never || kind === KeyKind.Timer) continue;
      if (kind === KeyKind.Measured) measured = true;
      points.push(r);
    }
    if (!measured && step === undefined && epoch === undefined) return null;
    return [{ points, step, epoch }];
  }

  /** Remembers a line of column names that includes a metric or step name. */
  headerCandidate(text: string): boolean {
    if (text.length > 400) return false;
    const csv = CSV_HEADER_RE.test(text);
    if (csv) {
      const cells = text.trim().split(',');
      if (!cells.some((c) => isUsefulColumn(c))) return false;
      this.header = { one: cells, spaced: cells, csv: true };
      return true;
    }
    // Column headers hold no punctuation of prose or pairs.
    if (/[=,;"']|:\s*\S/.test(text)) return false;
    const aligned = text.includes('|') || /\S(?: {2,}|\t)\S/.test(text);
    const t = text.trim().replace(/[:\s]+$/, '');
    if (t.length < 5) return false;
    const piped = splitPiped(t);
    const one = piped ?? t.split(/\s+/);
    if (one.length < 2 || one.length > 40) return false;
    for (const c of one) if (!HEADER_CELL_RE.test(c)) return false;
    const spaced = piped ?? t.split(/\s{2,}|\t/).map((c) => c.trim()).filter((c) => c.length > 0);
    const oneClean = one.map(cleanHeaderCell);
    const spacedClean = spaced.map(cleanHeaderCell);
    // Single-spaced column names must all look like names, or prose (`Training loss went down`)
    // would become a header.
    if (!aligned && !oneClean.every((c) => c.includes('_') || c.includes('/') || keyKind(c) !== KeyKind.Plain)) return false;
    if (!oneClean.concat(spacedClean).some((c) => isUsefulColumn(c))) return false;
    this.header = { one: oneClean, spaced: spacedClean, csv: false };
    return true;
  }

  /**
   * A line that is neither a row, a header, a border nor a progress bar ends the table: numbers
   * printed later under a stale header would be read with the wrong names.
   */
  otherLine(text: string): void {
    if (this.header !== null && /[A-Za-z]/.test(text)) this.header = null;
  }

  /** A numeric row under the last header, or null when the line is not one. */
  dataRow(text: string, line: number): TableRows[] | null {
    if (this.header === null) return null;
    const t = text.trim().replace(/:$/, '');
    if (t.length === 0) return null;
    const cells = this.header.csv ? (t.includes(',') ? t.split(',') : []) : splitPiped(t) ?? t.split(/\s+/);
    const names = this.header.spaced.length === cells.length ? this.header.spaced : this.header.one.length === cells.length ? this.header.one : null;
    if (names === null) return null;
    const points: { key: string; value: number; line: number }[] = [];
    let numbers = 0;
    let step: number | undefined;
    let prio = 0;
    let epoch: number | undefined;
    let label = '';
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      const name = names[i];
      if (CELL_NUMBER_RE.test(c)) {
        numbers++;
        const kind = keyKind(name);
        const v = cellNumber(c);
        if (kind === KeyKind.Step) {
          const p = stepPriority(name);
          if (p === 0) continue;
          if (p === 1) epoch = v;
          else if (p > prio) {
            step = v;
            prio = p;
          }
        } else if (kind !== KeyKind.Never && kind !== KeyKind.Timer) {
          points.push({ key: name, value: v, line });
        }
        continue;
      }
      const f = FRACTION_RE.exec(c);
      if (f) {
        // `3/10` under Epoch is the epoch; a fraction elsewhere is a count over a total, not a value.
        const kind = keyKind(name);
        if (kind === KeyKind.Step) {
          const p = stepPriority(name);
          if (p === 1) epoch = Number(f[1]);
          else if (p > 1) step = Number(f[1]);
        }
        numbers++;
        continue;
      }
      if (TIME_RE.test(c) || UNIT_RE.test(c)) continue;
      if (i === 0 && /^[A-Za-z][\w-]*$/.test(c)) {
        // A row label: `all` is the summary row; per-class rows keep their values apart.
        if (c.toLowerCase() !== 'all') label = `${c}/`;
        continue;
      }
      return null;
    }
    if (numbers < 2 || points.length === 0) return null;
    if (label !== '') for (const p of points) p.key = label + p.key;
    return [{ points, step, epoch }];
  }
}
