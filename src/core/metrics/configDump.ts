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
const MAX_MEMBER_LINE = 300;

interface Member {
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
   * Follows one visible line (`scan` null for a line without numbers); true when it belongs to a
   * configuration dump, so that its pairs are params and not metrics.
   */
  line(text: string, scan: LineScan | null): boolean {
    const m = member(text, scan);
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

function member(text: string, scan: LineScan | null): Member | null {
  if (text.length > MAX_MEMBER_LINE || (scan !== null && scan.barPos >= 0)) return null;
  if (CLOSER_RE.test(text)) return { frame: '', evidence: false, step: false };
  const opener = OPENER_RE.exec(text);
  if (opener !== null) return { frame: frameOf(text, opener.index), evidence: true, step: false };
  const m = MEMBER_RE.exec(text);
  if (m === null) return null;
  const value = m[3];
  const group = value.length > 0 && '([{'.includes(value[0]);
  // More than one pair is a metrics line (`loss: 0.5, acc: 0.9`), unless all are inside one `{...}` value.
  if (scan !== null && scan.pairs.length > 1) {
    const valueStart = m.index + m[0].lastIndexOf(value);
    if (value[0] !== '{' || scan.pairs.some((p) => p.pos < valueStart)) return null;
  }
  const frame = frameOf(text, m.index);
  const step = scan !== null && (scan.epoch !== undefined || scan.step !== undefined) || isStepName(m[1]);
  let evidence: boolean;
  if (value === '') evidence = m[2] === ':'; // a section header: `trainer:`
  else if (group) evidence = value[0] === '(' || value.includes(',') || value[0] === '{';
  else if (!NUMBER_START_RE.test(value)) evidence = true; // a word, a path, None, True, a quoted string
  else if (/[A-Za-z]/.test(value)) evidence = value.length > 8 && !/^\d+(?:\.\d+)?[A-Za-z]{1,4}$/.test(value); // a hash, not `1234GF`
  else {
    const kind = keyKind(m[1]);
    evidence = kind === KeyKind.Never || kind === KeyKind.Hyper;
  }
  return { frame, evidence, step };
}

/** The text before a member with its digits folded (a timestamp changes; its shape does not) and no indentation. */
function frameOf(text: string, end: number): string {
  return text.slice(0, end).replace(/\d+/g, '0').trim();
}
