// Entry point VS Code loads in the extension host (extensionTestsPath): the main integration suite.
import { runSuite } from './suiteRunner';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
