import * as vscode from 'vscode';
import { Notebooks } from '../../constants';
import { controllerId, type KernelControllers } from './kernelControllers';
import { fileMetadata, recordOf } from './environmentRecords';

/**
 * A notebook prefers the Berth kernels of the kernelspec it names (`metadata.kernelspec.name`: python3, ir), so
 * that beside images of other languages (berth/r next to berth/python) VS Code's kernel picker suggests the ones
 * that fit first. (VS Code 1.100 selects a kernel by itself only when there is one; affinity orders the picker.)
 * A notebook with an environment record keeps the recorded kernel's preference.
 */
export class KernelspecAffinity implements vscode.Disposable {
  /** notebook URI + controller id pairs already preferred: affinity is set once, the user's choice wins after. */
  private readonly applied = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly controllers: KernelControllers) {
    this.subscriptions = [controllers.onDidChange(() => this.applyAll()), vscode.workspace.onDidOpenNotebookDocument((n) => this.apply(n))];
    this.applyAll();
  }

  private applyAll(): void {
    vscode.workspace.notebookDocuments.forEach((n) => this.apply(n));
  }

  private apply(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== Notebooks.type || recordOf(notebook)) return;
    const spec = fileMetadata(notebook).kernelspec as { name?: unknown } | undefined;
    if (typeof spec?.name !== 'string') return;
    for (const source of this.controllers.sources.filter((s) => s.kernelspec.name === spec.name)) {
      const id = controllerId(source.reference, source.kernelspec.name);
      const key = `${notebook.uri.toString()}\0${id}`;
      if (this.applied.has(key)) continue;
      this.applied.add(key);
      this.controllers.get(id)?.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    }
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
