// VS Code's shell integration marks every command in a terminal's stream with OSC 633 (its own) or
// OSC 133 (FinalTerm's, which VS Code also reads) sequences: `ESC ] 633 ; C BEL` before the output,
// `ESC ] 633 ; D ; 0 BEL` after it, and so on. They are the editor's bookkeeping, not the program's
// output, so a run's output.log leaves them out; everything else is kept byte for byte.

// Terminated by BEL or ST (ESC \). A mark split across two chunks is left as it is: VS Code writes
// each mark in one piece, and a torn one costs a few stray bytes in a log, never output.
const MARKS = /\x1b\](?:633|133);[^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** A chunk of terminal output without VS Code's shell-integration marks (OSC 633 and OSC 133). */
export function withoutShellIntegration(chunk: string): string {
  return chunk.includes('\x1b]') ? chunk.replace(MARKS, '') : chunk;
}
