// Rows of a CSV or TSV file (RFC 4180 quoting: a quoted field may hold the delimiter, doubled quotes
// and newlines), as DVCLive, pandas' to_csv and spreadsheets write them.

/** The delimiter of a header line: tab, comma or semicolon, whichever it holds most of. */
export function sniffDelimiter(headerLine: string, fileName: string): string {
  if (/\.tsv$/i.test(fileName)) return '\t';
  const count = (c: string): number => headerLine.split(c).length - 1;
  const [best] = ['\t', ',', ';'].sort((a, b) => count(b) - count(a));
  return count(best) > 0 ? best : ',';
}

/** Every row of `text`; a trailing empty line is not a row. */
export function parseDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark
  const n = text.length;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === delimiter) { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { endRow(); i += 2; continue; }
    if (c === '\n' || c === '\r') { endRow(); i++; continue; }
    field += c;
    i++;
  }
  if (field !== '' || row.length) endRow();
  return rows;
}

/** A cell as a number: NaN and ±Infinity in the spellings pandas and Python write; undefined when not a number. */
export function cellNumber(cell: string): number | undefined {
  const t = cell.trim();
  if (t === '') return undefined;
  const l = t.toLowerCase();
  if (l === 'nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  const v = Number(t);
  return Number.isNaN(v) ? undefined : v;
}
