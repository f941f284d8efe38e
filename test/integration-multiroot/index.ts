// Entry point of the multi-root integration suite (a .code-workspace with two folders).
import { runSuite } from '../integration/suiteRunner';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
