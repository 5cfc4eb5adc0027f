import * as vscode from 'vscode';
import { Settings } from '../constants';
import { DEFAULT_PANDOC_IMAGE } from '../core/docs/export';
import { DEFAULT_R_IMAGE } from '../core/docs/knit';

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

  /** The image Knit runs R in (`berth.docs.rImage`). */
  docsRImage(scope?: vscode.Uri): string {
    return vscode.workspace.getConfiguration(Settings.section, scope).get<string>(Settings.docsRImage, '').trim() || DEFAULT_R_IMAGE;
  }

  /** The image Export runs Pandoc in (`berth.docs.pandocImage`). */
  docsPandocImage(scope?: vscode.Uri): string {
    return vscode.workspace.getConfiguration(Settings.section, scope).get<string>(Settings.docsPandocImage, '').trim() || DEFAULT_PANDOC_IMAGE;
  }

  dispose(): void {
    this.subscription.dispose();
    this.dockerHostChanged.dispose();
  }
}
