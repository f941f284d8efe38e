/** The port through which the store reports; the extension maps it to its log channel. */
export interface StoreLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Default logger for plain Node: stderr, one line per message. */
export const consoleLogger: StoreLogger = {
  info: () => { /* quiet by default */ },
  warn: (m) => process.stderr.write(`exptrack: ${m}\n`),
  error: (m) => process.stderr.write(`exptrack: ${m}\n`),
};
