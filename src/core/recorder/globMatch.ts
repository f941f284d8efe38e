/**
 * Compiles a glob (`**`, `*`, `?`, `{a,b}`, `[abc]`) over forward-slash relative paths into a test.
 * A pattern without a slash matches the file name at any depth, as in .gitignore.
 */
export function compileGlob(pattern: string): (relPath: string) => boolean {
  let p = pattern.trim().replace(/\\/g, '/');
  if (p.startsWith('./')) p = p.slice(2);
  if (!p.includes('/')) p = `**/${p}`;
  if (p.endsWith('/')) p += '**';
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) { re += '\\{'; continue; }
      re += `(?:${p.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) { re += '\\['; continue; }
      re += p.slice(i, end + 1);
      i = end;
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  // `s`: a line break is a legal character of a file name, and `**` must cross it too.
  const rx = new RegExp(`^${re}$`, process.platform === 'win32' || process.platform === 'darwin' ? 'is' : 's');
  return (rel) => rx.test(rel);
}
