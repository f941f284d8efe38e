// Turns one redraw of a terminal line into the text a person sees: escape sequences removed and
// backspaces applied the way a terminal applies them (the cursor moves back, later text overwrites).

const ESC = 0x1b;
const BS = 0x08;
const BEL = 0x07;

/**
 * The visible text of one line segment: ANSI/VT escapes (CSI such as colours and cursor moves, OSC such
 * as VS Code's `ESC]633;C BEL`, and two-byte escapes) are dropped; backspaces move the cursor back.
 * Other C0 controls except tab become spaces.
 */
export function visibleText(segment: string): string {
  if (!needsCleaning(segment)) return segment;
  if (!SLOW_RE.test(segment)) {
    // Only escape sequences (colours are on most lines of a coloured log): stitch the text between them.
    let out = '';
    let from = 0;
    for (let i = segment.indexOf('\x1b'); i >= 0; i = segment.indexOf('\x1b', from)) {
      out += segment.slice(from, i);
      from = skipEscape(segment, i) + 1;
    }
    return from === 0 ? segment : out + segment.slice(from);
  }
  const out: number[] = [];
  let cursor = 0;
  const n = segment.length;
  const put = (c: number): void => {
    if (cursor < out.length) out[cursor] = c;
    else out.push(c);
    cursor++;
  };
  for (let i = 0; i < n; i++) {
    const c = segment.charCodeAt(i);
    if (c === ESC) {
      i = skipEscape(segment, i);
      continue;
    }
    if (c === BS) {
      if (cursor > 0) cursor--;
      continue;
    }
    if (c === 0x9b) {
      // 8-bit CSI
      i = skipCsi(segment, i + 1);
      continue;
    }
    if (c < 0x20 && c !== 0x09) {
      if (c !== BEL) put(0x20);
      continue;
    }
    put(c);
  }
  // Build in slices: String.fromCharCode with a huge spread would overflow the stack.
  let s = '';
  for (let i = 0; i < out.length; i += 8192) s += String.fromCharCode(...out.slice(i, i + 8192));
  return s;
}

const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x9b]/;
// Controls that need the cursor model: anything but tab, BEL and ESC.
const SLOW_RE = /[\x00-\x06\x08\x0a-\x1a\x1c-\x1f\x9b]/;

function needsCleaning(s: string): boolean {
  return CONTROL_RE.test(s);
}

/** Returns the index of the last character of the escape sequence starting at `i` (an ESC). */
export function skipEscape(s: string, i: number): number {
  const next = s.charCodeAt(i + 1);
  if (Number.isNaN(next)) return i;
  if (next === 0x5b /* [ */) return skipCsi(s, i + 2);
  if (next === 0x5d /* ] */ || next === 0x50 /* P: DCS */ || next === 0x5f /* _ */ || next === 0x5e /* ^ */) {
    // String sequences end at BEL or ESC \ ; an unterminated one swallows the rest of the segment.
    for (let j = i + 2; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === BEL) return j;
      if (c === ESC && s.charCodeAt(j + 1) === 0x5c) return j + 1;
    }
    return s.length - 1;
  }
  if (next === 0x28 || next === 0x29 || next === 0x23 || next === 0x25) return i + 2; // charset selection: ESC ( B
  return i + 1;
}

function skipCsi(s: string, j: number): number {
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return j;
  }
  return s.length - 1;
}
