import * as vscode from 'vscode';
import { Notebooks } from '../../constants';
import type { ImageProbesModel, KernelSource } from '../../core/images/imageProbes';
import type { PodKernelTarget } from '../../core/kubernetes/kernelTargets';
import { controllerLabel } from '../../core/notebook/controllerLabel';
import { formatSize, shortId } from '../../core/images/imageRows';
import { controllerId, dockerChoice, podChoice, type KernelChoice } from './kernelChoice';

export { controllerId };

/** What the controllers delegate to: running cells and interrupting belong to the notebook's kernel. */
export interface ControllerHandlers {
  execute(cells: readonly vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, choice: KernelChoice): void;
  interrupt(notebook: vscode.NotebookDocument): Promise<void>;
  selectionChanged(notebook: vscode.NotebookDocument, choice: KernelChoice, selected: boolean): void;
}

/** `notebook.selectKernel` arguments that pick a Berth controller for the active notebook. */
export function selectKernelArgs(id: string): { id: string; extension: string } {
  return { id, extension: Notebooks.extensionId };
}

interface Entry {
  readonly controller: vscode.NotebookController;
  choice: KernelChoice;
}

/**
 * One NotebookController per (tagged image, kernelspec) that can serve Jupyter, kept in step with the probes model
 * (which follows the engine's image events): a new tag appears in the picker, a removed one disappears. Plus one
 * per pod target (`berth.kubernetes.targets`, then those started from the Cluster view), kept in step with both.
 */
export class KernelControllers implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private podTargets: readonly PodKernelTarget[] = [];
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

  /** The local image sources (Docker controllers). */
  get sources(): KernelSource[] {
    return [...this.entries.values()].flatMap((e) => (e.choice.kind === 'docker' ? [e.choice.local] : []));
  }

  /** Every controller's choice: local images, then pod targets. */
  get choices(): KernelChoice[] {
    return [...this.entries.values()].map((e) => e.choice);
  }

  get(id: string): { controller: vscode.NotebookController; choice: KernelChoice } | undefined {
    return this.entries.get(id);
  }

  find(reference: string, kernelspec: string): { controller: vscode.NotebookController; choice: KernelChoice } | undefined {
    return this.entries.get(controllerId(reference, kernelspec));
  }

  /** The pod targets: from the setting and from Start Kernel Here (already parsed and checked). */
  setPodTargets(targets: readonly PodKernelTarget[]): void {
    this.podTargets = targets;
    this.sync();
  }

  private sync(): void {
    const sources = this.probes.sources;
    const specsPerImage = new Map<string, number>();
    for (const s of sources) specsPerImage.set(s.reference, (specsPerImage.get(s.reference) ?? 0) + 1);
    const wanted = new Set<string>();
    let changed = false;
    const upsert = (choice: KernelChoice, label: string): vscode.NotebookController => {
      wanted.add(choice.id);
      let entry = this.entries.get(choice.id);
      if (!entry) {
        entry = { controller: this.create(choice.id, choice, label), choice };
        this.entries.set(choice.id, entry);
        changed = true;
      }
      entry.choice = choice;
      entry.controller.label = label;
      return entry.controller;
    };
    for (const source of sources) {
      const c = upsert(dockerChoice(source), controllerLabel(source));
      c.detail = `${formatSize(source.image.sizeBytes)} · ${shortId(source.image.id)}`;
      c.description = (specsPerImage.get(source.reference) ?? 0) > 1 ? source.kernelspec.displayName : undefined;
      c.supportedLanguages = [source.kernelspec.language.toLowerCase()];
    }
    for (const pod of this.podTargets) {
      const c = upsert(podChoice(pod), pod.label);
      c.description = pod.name ?? 'Kubernetes pod';
      c.detail = pod.detail;
      c.supportedLanguages = pod.kernelspecInfo?.language ? [pod.kernelspecInfo.language.toLowerCase()] : undefined;
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

  private create(id: string, initial: KernelChoice, label: string): vscode.NotebookController {
    const controller = vscode.notebooks.createNotebookController(id, Notebooks.type, label);
    controller.supportsExecutionOrder = true;
    const choice = () => this.entries.get(id)?.choice ?? initial;
    controller.executeHandler = (cells, notebook, c) => this.handlers.execute(cells, notebook, c, choice());
    controller.interruptHandler = (notebook) => this.handlers.interrupt(notebook);
    controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => this.handlers.selectionChanged(notebook, choice(), selected));
    return controller;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const entry of this.entries.values()) entry.controller.dispose();
    this.entries.clear();
    this.changed.dispose();
  }
}
