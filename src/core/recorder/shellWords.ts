/**
 * Splits a shell command line into its simple commands (cut at `|`, `||`, `&&`, `;`, `&`), each a list
 * of words the way a POSIX shell would see them: single and double quotes, backslash escapes.
 * Redirections (`> f`, `2>&1`, `<f`) are dropped with their targets. Never throws: an unterminated quote
 * ends at the end of the line. Expansions (`$X`, globs, `$(...)`) are left as written.
 */
export function splitShellCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let dropNext = false;
  const n = line.length;
  const endWord = (): void => {
    if (!inWord) return;
    if (dropNext) dropNext = false;
    else words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < n; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { endWord(); continue; }
    if (c === '#' && !inWord) break;
    if (c === "'") {
      inWord = true;
      const end = line.indexOf("'", i + 1);
      const stop = end < 0 ? n : end;
      word += line.slice(i + 1, stop);
      i = stop;
      continue;
    }
    if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < n && line[j] !== '"'; j++) {
        // Inside double quotes a backslash escapes only these characters.
        if (line[j] === '\\' && j + 1 < n && '"\\$`\n'.includes(line[j + 1])) j++;
        word += line[j];
      }
      i = j;
      continue;
    }
    if (c === '\\') {
      inWord = true;
      if (i + 1 < n) { word += line[i + 1]; i++; }
      continue;
    }
    if (c === '<' || c === '>') {
      // A redirection: a leading fd number belongs to it; `>&1` carries its target; else the next word.
      if (inWord && /^\d+$/.test(word)) { word = ''; inWord = false; }
      endWord();
      while (i + 1 < n && (line[i + 1] === '>' || line[i + 1] === '<')) i++;
      if (line[i + 1] === '&') {
        i++;
        while (i + 1 < n && /[\d-]/.test(line[i + 1])) i++;
      } else {
        dropNext = true;
      }
      continue;
    }
    if (c === '|' || c === '&' || c === ';') {
      endWord();
      while (i + 1 < n && (line[i + 1] === '|' || line[i + 1] === '&')) i++;
      if (words.length) commands.push(words);
      words = [];
      dropNext = false;
      continue;
    }
    inWord = true;
    word += c;
  }
  endWord();
  if (words.length) commands.push(words);
  return commands;
}

/**
 * One word as the shell reads it back: bare when it holds only characters no shell treats specially,
 * else quoted — POSIX single quotes, or cmd.exe's double quotes on Windows (where `\` is a path separator).
 */
export function shellQuote(word: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return /^[\w@%+=:,./\\-]+$/.test(word) ? word : `"${word.replace(/"/g, '""')}"`;
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
