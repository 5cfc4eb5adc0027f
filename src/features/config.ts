import * as vscode from 'vscode';
import { Settings } from '../constants';

/** Keep in step with package.json (`berth.output.maxBytes`); README says why this size. */
export const DEFAULT_OUTPUT_MAX_BYTES = 2 * 1024 * 1024;

/** Typed access to Berth's settings, with one change event per setting group. */
export class Config implements vscode.Disposable {
  private readonly dockerHostChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeDockerHost = this.dockerHostChanged.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${Settings.section}.${Settings.dockerHost}`)) {
        this.dockerHostChanged.fire();
      }
    });
  }

  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(Settings.section);
  }

  get dockerHost(): string {
    return this.section.get<string>(Settings.dockerHost, '').trim();
  }

  /** Keep a notebook's kernel container running after the notebook closes. */
  kernelKeepAlive(scope?: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration(Settings.section, scope).get<boolean>(Settings.kernelKeepAlive, false);
  }

  /** Raw `berth.kernel.env`; validated by core/notebook/kernelSettings at kernel start. */
  kernelEnv(scope?: vscode.Uri): unknown {
    return vscode.workspace.getConfiguration(Settings.section, scope).get<unknown>(Settings.kernelEnv);
  }

  /** Raw `berth.kernel.mounts`; validated by core/notebook/kernelSettings at kernel start. */
  kernelMounts(scope?: vscode.Uri): unknown {
    return vscode.workspace.getConfiguration(Settings.section, scope).get<unknown>(Settings.kernelMounts);
  }

  /** `berth.output.maxBytes`: the stream text a cell shows before it is cut (0: no limit). */
  outputMaxBytes(scope?: vscode.Uri): number {
    const value = vscode.workspace.getConfiguration(Settings.section, scope).get<number>(Settings.outputMaxBytes, DEFAULT_OUTPUT_MAX_BYTES);
    return Number.isFinite(value) && value >= 0 ? Math.floor(value) : DEFAULT_OUTPUT_MAX_BYTES;
  }

  dispose(): void {
    this.subscription.dispose();
    this.dockerHostChanged.dispose();
  }
}
