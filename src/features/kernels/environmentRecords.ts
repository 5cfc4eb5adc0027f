import * as path from 'path';
import * as vscode from 'vscode';
import { Notebooks } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { KernelSource } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';
import type { LaunchOptions, ServerHandle } from '../../core/kernels/api';
import { buildRecord, describeDrift, readRecord, type EnvironmentRecord } from '../../core/notebook/environmentRecord';
import type { KernelControllers } from './kernelControllers';

/** The ipynb serializer keeps the file's top-level metadata under `metadata` of the notebook document's metadata. */
export function fileMetadata(notebook: vscode.NotebookDocument): Record<string, unknown> {
  const inner = notebook.metadata.metadata;
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
}

export function recordOf(notebook: vscode.NotebookDocument): EnvironmentRecord | undefined {
  return readRecord(fileMetadata(notebook)[Notebooks.metadataKey]);
}

/**
 * `metadata.berth` in each notebook: written when a kernel starts; read when a notebook opens, to preselect the
 * recorded image's kernel and to point out that the tag now names a different image.
 */
export class EnvironmentRecords implements vscode.Disposable {
  private readonly checked = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly controllers: KernelControllers,
    private readonly images: ImagesModel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidOpenNotebookDocument((n) => this.check(n)),
      vscode.workspace.onDidCloseNotebookDocument((n) => this.checked.delete(n.uri.toString())),
      controllers.onDidChange(() => vscode.workspace.notebookDocuments.forEach((n) => this.check(n))),
    ];
    vscode.workspace.notebookDocuments.forEach((n) => this.check(n));
  }

  async write(notebookUri: vscode.Uri, source: KernelSource, options: LaunchOptions, handle: ServerHandle): Promise<void> {
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === notebookUri.toString());
    if (!notebook || notebook.isClosed) return;
    const record = buildRecord(source.reference, source.image, source.kernelspec.name, options.extraMounts, handle.startedAtMs);
    const previous = recordOf(notebook);
    if (previous && previous.image === record.image && previous.imageId === record.imageId && previous.kernelspec === record.kernelspec && JSON.stringify(previous.mounts) === JSON.stringify(record.mounts)) {
      // Same environment: leave the file untouched rather than dirtying it for a new start time alone.
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, metadata: { ...fileMetadata(notebook), [Notebooks.metadataKey]: record } })]);
    if (!(await vscode.workspace.applyEdit(edit))) {
      this.log.warn(`Could not write the environment record into ${notebook.uri.fsPath}`);
    }
  }

  /** Preselects the recorded kernel once its controller exists; warns once if the tag moved to another image. */
  private check(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== Notebooks.type) return;
    const key = notebook.uri.toString();
    if (this.checked.has(key)) return;
    const record = recordOf(notebook);
    if (!record) return;
    const found = this.controllers.find(record.image, record.kernelspec);
    if (!found) return;
    this.checked.add(key);
    found.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    const state = this.images.state;
    const current = state.kind === 'ready' ? state.images.find((i) => i.tags.includes(record.image)) : undefined;
    const drift = describeDrift(record, current);
    if (drift) {
      this.log.warn(`${path.basename(notebook.uri.path)}: ${drift}`);
      void vscode.window.showWarningMessage(`${path.basename(notebook.uri.path)}: ${drift} Outputs may differ when you re-run it.`).then(undefined, (e: unknown) => this.log.warn(errorMessage(e)));
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
