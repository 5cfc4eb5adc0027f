import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { KernelState, NotebookKernels } from './notebookKernels';

const LOOK: Record<KernelState, { icon: string; text: string; warn?: boolean }> = {
  launching: { icon: 'loading~spin', text: 'starting' },
  starting: { icon: 'loading~spin', text: 'starting' },
  idle: { icon: 'circle-large-outline', text: 'idle' },
  busy: { icon: 'circle-large-filled', text: 'busy' },
  restarting: { icon: 'loading~spin', text: 'restarting' },
  autorestarting: { icon: 'loading~spin', text: 'restarting' },
  dead: { icon: 'error', text: 'dead', warn: true },
  disconnected: { icon: 'debug-disconnect', text: 'disconnected', warn: true },
};

/** The active notebook's Berth kernel and its status, e.g. "○ berth/python:latest: idle". */
export class KernelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('berth.kernel.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly kernels: NotebookKernels) {
    this.item.name = 'Berth Kernel';
    this.subscriptions = [kernels.onDidChange(() => this.update()), vscode.window.onDidChangeActiveNotebookEditor(() => this.update())];
    this.update();
  }

  private update(): void {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    const kernel = notebook && this.kernels.get(notebook.uri);
    if (!kernel) {
      this.item.hide();
      return;
    }
    const look = LOOK[kernel.state];
    this.item.text = `$(${look.icon}) ${kernel.source.reference}: ${look.text}`;
    this.item.tooltip = `Berth kernel ${kernel.source.kernelspec.displayName} in ${kernel.source.reference} is ${look.text}. Click for the kernel's log.`;
    this.item.backgroundColor = look.warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.command = look.warn ? { command: Commands.restartKernel, title: 'Restart Kernel', arguments: [notebook.uri] } : Commands.showKernelLogs;
    this.item.show();
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
