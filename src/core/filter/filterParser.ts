// The run filter language shared by `exptrack ls --filter` and the Runs tree. Grammar:
//   expr       := and ('or' and)*
//   and        := unary ('and' unary)*
//   unary      := 'not' unary | '(' expr ')' | comparison
//   comparison := field [op value]          a field alone tests presence (tags.best, metrics.loss)
//   field      := word | word '.' (word | string)   e.g. status, metrics.val_acc, params."model.lr"
//   op         := = | == | != | < | <= | > | >= | ~ | !~
//   value      := number | string ("..." or '...') | bare word | /regex/flags (after ~ and !~)

/** A filter syntax or meaning error; `column` is 1-based. The message already names the column. */
export class FilterError extends Error {
  constructor(readonly reason: string, readonly column: number) {
    super(`filter: ${reason} at column ${column}`);
    this.name = 'FilterError';
  }
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

export type FilterValue =
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly column: number }
  | { readonly kind: 'string'; readonly value: string; readonly column: number; readonly bare: boolean }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string; readonly column: number };

export interface FieldRef {
  /** `status`, `metrics`, `params`, `tags`, ... */
  readonly name: string;
  /** For metrics/params/tags: the key after the first dot. */
  readonly key?: string;
  readonly column: number;
}

export type FilterNode =
  | { readonly type: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly type: 'not'; readonly operand: FilterNode }
  | { readonly type: 'compare'; readonly field: FieldRef; readonly op: CompareOp; readonly value: FilterValue }
  | { readonly type: 'present'; readonly field: FieldRef };

type Token =
  | { readonly t: 'lparen' | 'rparen' | 'end'; readonly col: number }
  | { readonly t: 'op'; readonly op: CompareOp; readonly col: number }
  | { readonly t: 'word'; readonly text: string; readonly col: number; readonly quotedKey?: string }
  | { readonly t: 'string'; readonly text: string; readonly col: number }
  | { readonly t: 'number'; readonly value: number; readonly text: string; readonly col: number }
  | { readonly t: 'regex'; readonly source: string; readonly flags: string; readonly col: number };

const wordStart = /[A-Za-z_@]/;
const wordChar = /[A-Za-z0-9_.\-/:@#]/;
const numberRe = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const readString = (quote: string, start: number): string => {
    let s = '';
    i++;
    for (;;) {
      if (i >= src.length) throw new FilterError(`unterminated string starting`, start + 1);
      const c = src[i];
      if (c === '\\' && i + 1 < src.length) { s += src[i + 1]; i += 2; continue; }
      if (c === quote) { i++; return s; }
      s += c;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i];
    const col = i + 1;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ t: 'lparen', col }); i++; continue; }
    if (c === ')') { out.push({ t: 'rparen', col }); i++; continue; }
    const two = src.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '!~' || two === '==') {
      out.push({ t: 'op', op: two === '==' ? '=' : two as CompareOp, col }); i += 2; continue;
    }
    if (c === '<' || c === '>' || c === '=' || c === '~') { out.push({ t: 'op', op: c as CompareOp, col }); i++; continue; }
    if (c === '"' || c === "'") { const text = readString(c, i); out.push({ t: 'string', text, col }); continue; }
    if (c === '/' && out.length && out[out.length - 1].t === 'op') {
      let j = i + 1;
      let source = '';
      while (j < src.length && src[j] !== '/') {
        if (src[j] === '\\' && j + 1 < src.length) { source += src[j] + src[j + 1]; j += 2; continue; }
        source += src[j++];
      }
      if (j >= src.length) throw new FilterError('unterminated regular expression', col);
      j++;
      let flags = '';
      while (j < src.length && /[a-z]/.test(src[j])) flags += src[j++];
      out.push({ t: 'regex', source, flags, col });
      i = j;
      continue;
    }
    const m = numberRe.exec(src.slice(i));
    if (m && !(i + m[0].length < src.length && /[A-Za-z_]/.test(src[i + m[0].length]))) {
      out.push({ t: 'number', value: Number(m[0]), text: m[0], col });
      i += m[0].length;
      continue;
    }
    if (wordStart.test(c) || /\d/.test(c)) {
      let j = i;
      while (j < src.length && wordChar.test(src[j])) j++;
      const text = src.slice(i, j);
      // `metrics."val acc"`: a quoted key after the dot.
      if (text.endsWith('.') && (src[j] === '"' || src[j] === "'")) {
        i = j;
        const key = readString(src[j], j);
        out.push({ t: 'word', text: text.slice(0, -1), col, quotedKey: key });
        continue;
      }
      out.push({ t: 'word', text, col });
      i = j;
      continue;
    }
    throw new FilterError(`unexpected character '${c}'`, col);
  }
  out.push({ t: 'end', col: src.length + 1 });
  return out;
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'end': return 'end of input';
    case 'lparen': return "'('";
    case 'rparen': return "')'";
    case 'op': return `'${tok.op}'`;
    case 'word': return `'${tok.text}'`;
    case 'string': return `"${tok.text}"`;
    case 'number': return tok.text;
    case 'regex': return `/${tok.source}/`;
  }
}

const isKeyword = (tok: Token, kw: string): boolean => tok.t === 'word' && !tok.quotedKey && tok.text.toLowerCase() === kw;

/** Parses a filter; throws {@link FilterError} pointing at the offending column. Empty input gives undefined. */
export function parseFilter(src: string): FilterNode | undefined {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (): Token => toks[pos];
  const next = (): Token => toks[pos++];
  if (peek().t === 'end') return undefined;

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isKeyword(peek(), 'or')) { next(); left = { type: 'or', left, right: parseAnd() }; }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isKeyword(peek(), 'and')) { next(); left = { type: 'and', left, right: parseUnary() }; }
    return left;
  };
  const parseUnary = (): FilterNode => {
    const tok = peek();
    if (isKeyword(tok, 'not')) { next(); return { type: 'not', operand: parseUnary() }; }
    if (tok.t === 'lparen') {
      next();
      const inner = parseOr();
      const close = peek();
      if (close.t !== 'rparen') throw new FilterError(`expected ')' to close the '(' at column ${tok.col}, found ${describe(close)}`, close.col);
      next();
      return inner;
    }
    return parseComparison();
  };
  const parseComparison = (): FilterNode => {
    const tok = next();
    if (tok.t !== 'word' || (!tok.quotedKey && ['and', 'or', 'not'].includes(tok.text.toLowerCase()))) {
      throw new FilterError(`expected a field such as status, name or metrics.loss, found ${describe(tok)}`, tok.col);
    }
    const dot = tok.text.indexOf('.');
    const field: FieldRef = tok.quotedKey !== undefined
      ? { name: tok.text, key: tok.quotedKey, column: tok.col }
      : dot < 0 ? { name: tok.text, column: tok.col } : { name: tok.text.slice(0, dot), key: tok.text.slice(dot + 1), column: tok.col };
    if (field.key === '') throw new FilterError(`expected a key after '${field.name}.'`, tok.col + field.name.length + 1);
    const opTok = peek();
    if (opTok.t !== 'op') return { type: 'present', field };
    next();
    const v = next();
    let value: FilterValue;
    if (v.t === 'number') value = { kind: 'number', value: v.value, text: v.text, column: v.col };
    else if (v.t === 'string') value = { kind: 'string', value: v.text, column: v.col, bare: false };
    else if (v.t === 'word' && !v.quotedKey && !['and', 'or', 'not'].includes(v.text.toLowerCase())) value = { kind: 'string', value: v.text, column: v.col, bare: true };
    else if (v.t === 'regex') {
      if (opTok.op !== '~' && opTok.op !== '!~') throw new FilterError(`a /regular expression/ only goes after '~' or '!~'`, v.col);
      try { new RegExp(v.source, v.flags); } catch (e) { throw new FilterError(`invalid regular expression: ${(e as Error).message}`, v.col); }
      value = { kind: 'regex', source: v.source, flags: v.flags, column: v.col };
    } else throw new FilterError(`expected a value after '${opTok.op}'`, v.col);
    return { type: 'compare', field, op: opTok.op, value };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest.t !== 'end') {
    throw new FilterError(rest.t === 'rparen' ? "unmatched ')'" : `expected 'and', 'or' or the end, found ${describe(rest)}`, rest.col);
  }
  return tree;
}
