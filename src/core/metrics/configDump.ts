// Configuration printed one setting per line (a YAML-like dump, `name :value` argument tables,
// multi-line JSON, `TrainingArguments(` reprs) holds numbers under measured-sounding names
// (`max_grad_norm :1.0`, `"bagging_fraction": 0.8,`, `scale_loss :32768`). Such settings are params,
// never metrics. A dump is recognised by its shape: consecutive lines that each hold one `name: value`
// member behind the same prefix, at least two of which are plainly settings (a word, None/True, a
// quoted string or tuple as value; a never-a-metric or hyperparameter name; a section header
// `trainer:`; an opening `Name(` / `{`). A line of any other shape ends it. A block with a step or
// epoch member is a metrics summary (Hugging Face's `***** eval metrics *****`), never a dump.

import type { LineScan } from './lineScanner';
import { KeyKind, isStepName, keyKind } from './metricKeys';

// `name SEP value` ending the line: the value a number, a word, a quoted string or a bracketed group.
const MEMBER_RE = /["']?([A-Za-z_][\w.\-/]*(?: [A-Za-z_][\w.\-/]*){0,3})["']?[ \t]*([:=])[ \t]*(\([^()]*\)|\[[^[\]]*\]|\{[^{}]*\}|'[^']*'|"[^"]*"|[^\s,]*)[ \t]*,?[ \t]*$/;
// A line opening a literal: `TrainingArguments(`, `{`, `config = {`, `model:`-less openers.
const OPENER_RE = /(?:^|[\s:=])(?:[A-Za-z_][\w.]*[ \t]*)?[({[][ \t]*$/;
const CLOSER_RE = /^[ \t]*[)}\]][)}\],]*[ \t]*$/;
const NUMBER_START_RE = /^[-+]?(?:\d|\.\d)/;
const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?$/;
// `1234GF`, `0:00:01.23`: a number with a unit, a duration: no sign of a setting.
const MEASURE_RE = /^[-+]?\d+(?:\.\d+)?(?:[A-Za-z]{1,4}|(?::\d+)+(?:\.\d+)?)$/;
const MAX_MEMBER_LINE = 300;

/** A line of a possible dump. It depends on the line's shape only (digit runs play no part). */
export interface Member {
  readonly frame: string;
  readonly evidence: boolean;
  readonly step: boolean;
}

/** Follows consecutive member lines and says when a line belongs to a configuration dump. */
export class ConfigDump {
  private frame: string | null = null;
  private evidence = 0;
  private metricBlock = false;

  /** A block of member lines is open: lines must come through {@link line} (the fast path steps aside). */
  get open(): boolean {
    return this.frame !== null;
  }

  /** A line that is no member (a table row, a progress bar): ends any block. */
  reset(): void {
    this.frame = null;
    this.evidence = 0;
    this.metricBlock = false;
  }

  /**
   * Follows one line, given what {@link memberOf} says of it; true when it belongs to a configuration
   * dump, so that its pairs are params and not metrics.
   */
  line(m: Member | null): boolean {
    if (m === null) {
      this.reset();
      return false;
    }
    if (m.frame !== this.frame) {
      this.reset();
      this.frame = m.frame;
    }
    if (m.step) this.metricBlock = true;
    if (m.evidence) this.evidence++;
    return !this.metricBlock && this.evidence >= 2;
  }
}

/** The line as a member of a dump (`scan` null for a line without numbers), or null when it cannot be one. */
export function memberOf(text: string, scan: LineScan | null): Member | null {
  if (text.length > MAX_MEMBER_LINE || (scan !== null && scan.barPos >= 0)) return null;
  if (CLOSER_RE.test(text)) return { frame: '', evidence: false, step: false };
  const opener = OPENER_RE.exec(text);
  if (opener !== null) return { frame: frameOf(text, opener.index), evidence: true, step: false };
  if (!mayEndInMember(text)) return null;
  const m = MEMBER_RE.exec(text);
  if (m === null) return null;
  const value = m[3];
  const group = value.length > 0 && '([{'.includes(value[0]);
  // More than one pair is a metrics line (`loss: 0.5, acc: 0.9`), unless all are inside one `{...}` value.
  if (scan !== null && scan.pairs.length > 1) {
    const valueStart = m.index + m[0].lastIndexOf(value);
    if (value[0] !== '{' || scan.pairs.some((p) => p.pos < valueStart)) return null;
  }
  // A line with a step marker and a value (`Train Epoch: 1 [..]  Loss: 0.43`) is a metrics line, no
  // member; a step member alone (`epoch = 3.0`) marks a block as a metrics summary.
  const marker = scan !== null && (scan.epoch !== undefined || scan.step !== undefined);
  if (marker && scan.pairs.some((p) => !isStepName(p.key))) return null;
  const frame = frameOf(text, m.index);
  const step = marker || isStepName(m[1]);
  let evidence: boolean;
  if (value === '') evidence = m[2] === ':'; // a section header: `trainer:`
  else if (group) evidence = value[0] === '(' || value.includes(',') || value[0] === '{';
  else if (!NUMBER_START_RE.test(value)) evidence = true; // a word, a path, None, True, a quoted string
  else if (!NUMBER_RE.test(value)) evidence = !MEASURE_RE.test(value); // a hash, not `1234GF` or `0:00:01.23`
  else {
    const kind = keyKind(m[1]);
    evidence = kind === KeyKind.Never || kind === KeyKind.Hyper;
  }
  return { frame, evidence, step };
}

/**
 * A cheap look at the end of the line before the regex: a member ends in its value, so its separator
 * is in the last token (`do_save:True`, `:0.9`, `trainer:`) or just before it (`seed: 3407`). Values in
 * brackets or quotes may hold spaces: those go to the regex.
 */
function mayEndInMember(text: string): boolean {
  let e = text.length - 1;
  while (e >= 0 && (text.charCodeAt(e) === 0x20 || text.charCodeAt(e) === 0x09)) e--;
  if (e >= 0 && text.charCodeAt(e) === 0x2c) e--;
  if (e < 0) return false;
  const last = text.charCodeAt(e);
  if (last === 0x29 || last === 0x5d || last === 0x7d || last === 0x27 || last === 0x22) return true;
  let s = e;
  while (s >= 0 && text.charCodeAt(s) !== 0x20 && text.charCodeAt(s) !== 0x09) {
    const c = text.charCodeAt(s);
    if (c === 0x3a || c === 0x3d) return true;
    s--;
  }
  while (s >= 0 && (text.charCodeAt(s) === 0x20 || text.charCodeAt(s) === 0x09)) s--;
  return s >= 0 && (text.charCodeAt(s) === 0x3a || text.charCodeAt(s) === 0x3d);
}

/** The text before a member with its digits folded (a timestamp changes; its shape does not) and no indentation. */
function frameOf(text: string, end: number): string {
  return text.slice(0, end).replace(/\d+/g, '0').trim();
}
