import * as vscode from 'vscode';
import { Notebooks } from '../../constants';
import type { Config } from '../config';
import { recordOf } from './environmentRecords';
import type { KernelChoice } from './kernelChoice';
import type { KernelControllers } from './kernelControllers';
import type { NotebookKernels } from './notebookKernels';

/**
 * `berth.kernel.prestart`: a notebook shown in an editor with a Berth kernel chosen gets that kernel started at once,
 * before any Run. Chosen means the controller VS Code selected for it (the one it restores, or the user's pick), else
 * the kernel its environment record names (`metadata.berth`, which VS Code only suggests). Each notebook is
 * pre-started once per kernel while it is open: a failed pre-start is not retried by the next event, the first Run
 * starts again. A document open without an editor (a diff, a search, another extension) gets no container.
 */
export class KernelPrestart implements vscode.Disposable {
  /** Notebook key → the Berth kernel VS Code has selected for it. */
  private readonly selected = new Map<string, KernelChoice>();
  /** Notebook key → the kernel last pre-started for it since it opened. */
  private readonly tried = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly kernels: NotebookKernels,
    private readonly controllers: KernelControllers,
    private readonly config: Config,
  ) {
    this.subscriptions = [
      vscode.window.onDidChangeVisibleNotebookEditors(() => this.considerAll()),
      // A recorded image's controller appears once its probe is done, a while after the notebook opened.
      controllers.onDidChange(() => this.considerAll()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.considerAll()),
      config.onDidChangeKernelPrestart(() => this.considerAll()),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        this.forget(notebook.uri);
        this.selected.delete(notebook.uri.toString());
      }),
    ];
    this.considerAll();
  }

  /** VS Code selected (or deselected) a Berth controller for the notebook. */
  selectionChanged(notebook: vscode.NotebookDocument, choice: KernelChoice, selected: boolean): void {
    const key = notebook.uri.toString();
    if (selected) this.selected.set(key, choice);
    else if (this.selected.get(key)?.id === choice.id) this.selected.delete(key);
    if (selected) this.consider(notebook);
  }

  /** The notebook's kernel was let go (its last tab closed): opening it again pre-starts again. */
  forget(uri: vscode.Uri): void {
    this.tried.delete(uri.toString());
  }

  private considerAll(): void {
    for (const editor of vscode.window.visibleNotebookEditors) this.consider(editor.notebook);
  }

  private consider(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== Notebooks.type || notebook.isClosed) return;
    if (!this.config.kernelPrestart || !vscode.workspace.isTrusted) return;
    if (!vscode.window.visibleNotebookEditors.some((e) => e.notebook === notebook)) return;
    const key = notebook.uri.toString();
    const choice = this.selected.get(key) ?? this.recorded(notebook);
    if (!choice || this.tried.get(key) === choice.id) return;
    this.tried.set(key, choice.id);
    void this.kernels.prestart(notebook, choice);
  }

  private recorded(notebook: vscode.NotebookDocument): KernelChoice | undefined {
    const record = recordOf(notebook);
    return record && this.controllers.find(record.image, record.kernelspec)?.choice;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
