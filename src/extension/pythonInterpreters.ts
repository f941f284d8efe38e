import * as os from 'node:os';
import * as vscode from 'vscode';
import { chooseInterpreter, type InterpreterCandidates, type InterpreterChoice } from '../core/recorder/interpreterChoice';
import { findWorkspaceVenvPython } from '../core/recorder/pythonInfo';
import type { Logger } from './logger';

/** The Python extension's id. */
export const PYTHON_EXTENSION_ID = 'ms-python.python';
/** Activating the Python extension and resolving an environment can take seconds on a cold start; not longer. */
const API_TIMEOUT_MS = 10_000;

type EnvironmentPath = { readonly id: string; readonly path: string };
/** The part of the Python extension's public API used here (`exports.environments`, 2023.x and later). */
interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath | undefined;
    resolveEnvironment(environment: EnvironmentPath | string): Promise<{ readonly executable?: { readonly uri?: vscode.Uri } } | undefined>;
  };
}

/** Where a launch happens: the file or folder it is for, and the interpreter a re-run run recorded. */
export interface InterpreterRequest {
  /** The file run (Run Current File) or the folder the command runs in. */
  readonly resource?: vscode.Uri;
  /** Re-run: the python the run recorded (undefined for the other launchers). */
  readonly recordedRun?: string | null;
}

/**
 * Looks up the candidates for the editor launchers' interpreter (Python extension, settings, the
 * workspace's venv) and lets src/core choose among them (interpreterChoice.ts).
 */
export class PythonInterpreters {
  constructor(private readonly logger: Logger) {}

  /** True when the Python extension is installed (so "Select Interpreter" can be offered). */
  get hasPythonExtension(): boolean {
    return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
  }

  async choose(request: InterpreterRequest): Promise<InterpreterChoice> {
    const folder = request.resource ? vscode.workspace.getWorkspaceFolder(request.resource) : vscode.workspace.workspaceFolders?.[0];
    const folderPath = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const resource = request.resource ?? folder?.uri;
    // A file's own folder first, up to the workspace folder: a project inside the workspace may have its own venv.
    const start = request.resource?.scheme === 'file' ? request.resource.fsPath : folderPath;
    const candidates: InterpreterCandidates = {
      pythonExtension: await this.fromPythonExtension(resource),
      defaultInterpreterPath: vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath'),
      workspaceVenv: folderPath && start ? findWorkspaceVenvPython('python', start, folderPath) : null,
      recordedRun: request.recordedRun,
      workspaceFolder: folderPath,
      home: os.homedir(),
    };
    const choice = chooseInterpreter(candidates);
    this.logger.info(`interpreter ${choice.executable} from ${choice.source} (${choice.tried.join('; ')})`);
    return choice;
  }

  /** The executable of the Python extension's active environment; undefined when the extension is not installed. */
  private async fromPythonExtension(resource: vscode.Uri | undefined): Promise<InterpreterCandidates['pythonExtension']> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) return undefined;
    try {
      const api = extension.isActive ? extension.exports : await withTimeout(extension.activate(), 'activating it');
      const environments = api?.environments;
      if (!environments) return { problem: 'this version has no environments API' };
      const active = environments.getActiveEnvironmentPath(resource);
      if (!active) return { problem: 'no environment selected' };
      const resolved = await withTimeout(environments.resolveEnvironment(active), 'resolving its environment');
      const executable = resolved?.executable?.uri?.fsPath;
      return executable ? { executable } : { problem: `${active.path} could not be resolved to an interpreter` };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.logger.warn(`the Python extension's API failed: ${message}`);
      return { problem: `its API failed (${message})` };
    }
  }
}

function withTimeout<T>(promise: Thenable<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer after ${API_TIMEOUT_MS / 1000} s ${what}`)), API_TIMEOUT_MS); }),
  ]);
}
