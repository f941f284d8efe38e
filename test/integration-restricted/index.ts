// Entry point of the Restricted Mode integration suite (a workspace that is not trusted).
import { runSuite } from '../integration/suiteRunner';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
