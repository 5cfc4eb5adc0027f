import * as vscode from 'vscode';
import { Notebooks } from '../../constants';
import type { ImageProbesModel, KernelSource } from '../../core/images/imageProbes';
import { controllerLabel } from '../../core/notebook/controllerLabel';
import { formatSize, shortId } from '../../core/images/imageRows';

/** What the controllers delegate to: running cells and interrupting belong to the notebook's kernel. */
export interface ControllerHandlers {
  execute(cells: readonly vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelSource): void;
  interrupt(notebook: vscode.NotebookDocument): Promise<void>;
  selectionChanged(notebook: vscode.NotebookDocument, source: KernelSource, selected: boolean): void;
}

/** Stable across windows and reloads (VS Code remembers a notebook's kernel by this id). */
export function controllerId(reference: string, kernelspec: string): string {
  return `docker:${reference}:${kernelspec}`;
}

/** `notebook.selectKernel` arguments that pick a Berth controller for the active notebook. */
export function selectKernelArgs(id: string): { id: string; extension: string } {
  return { id, extension: Notebooks.extensionId };
}

interface Entry {
  readonly controller: vscode.NotebookController;
  source: KernelSource;
}

/**
 * One NotebookController per (tagged image, kernelspec) that can serve Jupyter, kept in step with the probes model
 * (which follows the engine's image events): a new tag appears in the picker, a removed one disappears.
 */
export class KernelControllers implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly probes: ImageProbesModel,
    private readonly handlers: ControllerHandlers,
  ) {
    this.sync();
    this.subscription = probes.onDidChange(() => this.sync());
  }

  get sources(): KernelSource[] {
    return [...this.entries.values()].map((e) => e.source);
  }

  get(id: string): { controller: vscode.NotebookController; source: KernelSource } | undefined {
    return this.entries.get(id);
  }

  find(reference: string, kernelspec: string): { controller: vscode.NotebookController; source: KernelSource } | undefined {
    return this.entries.get(controllerId(reference, kernelspec));
  }

  private sync(): void {
    const sources = this.probes.sources;
    const specsPerImage = new Map<string, number>();
    for (const s of sources) specsPerImage.set(s.reference, (specsPerImage.get(s.reference) ?? 0) + 1);
    const wanted = new Set<string>();
    let changed = false;
    for (const source of sources) {
      const id = controllerId(source.reference, source.kernelspec.name);
      wanted.add(id);
      let entry = this.entries.get(id);
      if (!entry) {
        entry = { controller: this.create(id, source), source };
        this.entries.set(id, entry);
        changed = true;
      }
      entry.source = source;
      const c = entry.controller;
      c.detail = `${formatSize(source.image.sizeBytes)} · ${shortId(source.image.id)}`;
      c.description = (specsPerImage.get(source.reference) ?? 0) > 1 ? source.kernelspec.displayName : undefined;
      c.supportedLanguages = [source.kernelspec.language.toLowerCase()];
    }
    for (const [id, entry] of this.entries) {
      if (!wanted.has(id)) {
        entry.controller.dispose();
        this.entries.delete(id);
        changed = true;
      }
    }
    if (changed) this.changed.fire();
  }

  private create(id: string, initial: KernelSource): vscode.NotebookController {
    const controller = vscode.notebooks.createNotebookController(id, Notebooks.type, controllerLabel(initial));
    controller.supportsExecutionOrder = true;
    const source = () => this.entries.get(id)?.source ?? initial;
    controller.executeHandler = (cells, notebook, c) => this.handlers.execute(cells, notebook, c, source());
    controller.interruptHandler = (notebook) => this.handlers.interrupt(notebook);
    controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => this.handlers.selectionChanged(notebook, source(), selected));
    return controller;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const entry of this.entries.values()) entry.controller.dispose();
    this.entries.clear();
    this.changed.dispose();
  }
}

