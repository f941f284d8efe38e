import type { SqlValue } from 'sql.js';
import { FilterError, parseFilter, type CompareOp, type FieldRef, type FilterNode, type FilterValue } from './filterParser';

/** SQL for a WHERE clause over `runs r JOIN experiments e`, with every value bound, never spliced. */
export interface CompiledFilter {
  readonly where: string;
  readonly params: SqlValue[];
}

/** Name of the SQL function the store registers for `~ /regex/`: regexp_match(pattern, flags, text). */
export const regexpFunction = 'exptrack_regexp';

const textColumns: Readonly<Record<string, string>> = {
  id: 'r.id', name: 'r.name', command: 'r.command', cwd: 'r.cwd', source: 'r.source', status: 'r.status',
  experiment: 'e.name', signal: 'r.signal', host: 'r.host',
};
const numberColumns: Readonly<Record<string, string>> = {
  exit_code: 'r.exit_code', exitcode: 'r.exit_code', started: 'r.started_at', startedat: 'r.started_at',
  started_at: 'r.started_at', ended: 'r.ended_at', endedat: 'r.ended_at', ended_at: 'r.ended_at',
  duration: '(r.ended_at - r.started_at)', durationms: '(r.ended_at - r.started_at)',
};
const statuses = ['running', 'finished', 'failed', 'killed', 'interrupted'];
const sqlOp: Readonly<Record<string, string>> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const fieldList = 'id, name, experiment, status, command, cwd, source, exit_code, started, ended, duration, note, tag, metrics.KEY, params.KEY, tags.KEY';

/**
 * Compiles a filter such as `metrics.val_acc > 0.9 and params.lr = 3e-4 or not tags.best`.
 * `~` means "contains, ignoring ASCII case" with a string, and a regular-expression match with
 * `/re/flags`. Throws {@link FilterError} with the column of the mistake.
 */
export function compileFilter(src: string): CompiledFilter | undefined {
  const tree = parseFilter(src);
  if (!tree) return undefined;
  const params: SqlValue[] = [];
  const where = node(tree, params);
  return { where, params };
}

function node(n: FilterNode, params: SqlValue[]): string {
  switch (n.type) {
    case 'and': return `(${node(n.left, params)} AND ${node(n.right, params)})`;
    case 'or': return `(${node(n.left, params)} OR ${node(n.right, params)})`;
    case 'not': return `(NOT ${node(n.operand, params)})`;
    case 'present': return present(n.field, params);
    case 'compare': return compare(n.field, n.op, n.value, params);
  }
}

function present(f: FieldRef, params: SqlValue[]): string {
  const table = keyedTable(f);
  if (table) {
    params.push(f.key!);
    return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run = r.rid AND x.key = ?)`;
  }
  if (f.name === 'note' && f.key === undefined) return 'EXISTS (SELECT 1 FROM notes x WHERE x.run = r.rid)';
  if (f.name in textColumns || f.name.toLowerCase() in numberColumns) {
    throw new FilterError(`expected an operator such as '=' or '>' after '${f.name}'`, f.column + f.name.length);
  }
  throw unknownField(f);
}

function keyedTable(f: FieldRef): string | undefined {
  const table = { metrics: 'metric_summary', metric: 'metric_summary', params: 'params', param: 'params', tags: 'tags' }[f.name];
  if (!table) return undefined;
  if (f.key === undefined) throw new FilterError(`expected a key after '${f.name}', as in ${f.name}.name`, f.column + f.name.length);
  return table;
}

function unknownField(f: FieldRef): FilterError {
  return new FilterError(`unknown field '${f.key === undefined ? f.name : `${f.name}.${f.key}`}' (fields: ${fieldList})`, f.column);
}

/** `expr op ?` for one column, with `~`/`!~` as contains or regex. */
function textCompare(expr: string, op: CompareOp, v: FilterValue, params: SqlValue[]): string {
  if (op === '~' || op === '!~') {
    const neg = op === '!~' ? 'NOT ' : '';
    if (v.kind === 'regex') {
      params.push(v.source, v.flags);
      return `(${expr} IS NOT NULL AND ${neg}${regexpFunction}(?, ?, ${expr}))`;
    }
    params.push(v.kind === 'number' ? v.text : v.value);
    return `(${expr} IS NOT NULL AND ${neg}(instr(lower(${expr}), lower(?)) > 0))`;
  }
  if (v.kind === 'regex') throw new FilterError(`a /regular expression/ only goes after '~' or '!~'`, v.column);
  params.push(v.kind === 'number' ? v.text : v.value);
  return `(${expr} ${sqlOp[op]} ?)`;
}

function numberValue(v: FilterValue, what: string): number {
  if (v.kind === 'number') return v.value;
  if (v.kind === 'string') {
    const low = v.value.toLowerCase();
    if (low === 'inf' || low === 'infinity' || low === '+inf') return Infinity;
    if (low === '-inf' || low === '-infinity') return -Infinity;
  }
  throw new FilterError(`${what} compares with numbers; expected a number`, v.column);
}

function compare(f: FieldRef, op: CompareOp, v: FilterValue, params: SqlValue[]): string {
  const name = f.name.toLowerCase();
  if (f.key !== undefined || name === 'metrics' || name === 'params' || name === 'tags') {
    const table = keyedTable(f);
    if (!table) throw unknownField(f);
    params.push(f.key!);
    if (table === 'metric_summary') {
      if (op === '~' || op === '!~') throw new FilterError(`'${op}' does not apply to metrics; use =, !=, <, <=, > or >=`, f.column);
      const n = numberValue(v, `metrics.${f.key}`);
      params.push(n);
      return `EXISTS (SELECT 1 FROM metric_summary x WHERE x.run = r.rid AND x.key = ? AND x.last ${sqlOp[op]} ?)`;
    }
    if (table === 'params' && v.kind === 'number' && op !== '~' && op !== '!~') {
      params.push(v.value);
      return `EXISTS (SELECT 1 FROM params x WHERE x.run = r.rid AND x.key = ? AND x.num ${sqlOp[op]} ?)`;
    }
    return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run = r.rid AND x.key = ? AND ${textCompare('x.value', op, v, params)})`;
  }
  if (name === 'tag') {
    // `tag = best`: the run has a tag named best (DESIGN.md's example); `tag ~ b` matches tag names.
    return `EXISTS (SELECT 1 FROM tags x WHERE x.run = r.rid AND ${textCompare('x.key', op, v, params)})`;
  }
  if (name === 'note') {
    return `EXISTS (SELECT 1 FROM notes x WHERE x.run = r.rid AND ${textCompare('x.body', op, v, params)})`;
  }
  if (name in textColumns) {
    if (name === 'status' && (op === '=' || op === '!=') && v.kind !== 'regex' && !statuses.includes(String(v.kind === 'number' ? v.text : v.value))) {
      throw new FilterError(`unknown status '${v.kind === 'number' ? v.text : v.value}' (expected ${statuses.join(', ')})`, v.column);
    }
    return textCompare(textColumns[name], op, v, params);
  }
  if (name in numberColumns) {
    if (op === '~' || op === '!~') throw new FilterError(`'${op}' does not apply to ${f.name}; use =, !=, <, <=, > or >=`, f.column);
    params.push(numberValue(v, f.name));
    return `(${numberColumns[name]} ${sqlOp[op]} ?)`;
  }
  throw unknownField(f);
}
