import * as vscode from 'vscode';
import { Notebooks, Settings } from '../../constants';
import { validateImageReference } from '../../core/build/imageTag';
import { BerthError } from '../../core/common/errors';
import type { ImageProbesModel, KernelSource } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';
import { formatSize } from '../../core/images/imageRows';
import { normalizeRegistry } from '../../core/images/registryTransfer';
import { imageRoute, type ImageRoute, type StartedTarget } from '../../core/kubernetes/startedTargets';

export interface StartKernelHereDeps {
  readonly images: ImagesModel;
  /** Which local images serve Jupyter, with their kernelspecs: the pick lists those. */
  readonly probes: ImageProbesModel;
  /** berth.registry, read when the command runs. */
  readonly registry: () => string;
  /** Push Image with its progress notification; the pushed reference, or undefined when cancelled. */
  readonly push: (image: string, target: string) => Promise<string | undefined>;
  /** Makes the target a kernel of the notebook and starts it (the kernels feature). */
  readonly startPodKernel: (target: StartedTarget, editor: vscode.NotebookEditor) => Promise<{ readonly controllerId: string }>;
  readonly log: vscode.LogOutputChannel;
}

/** What a caller (a test, another extension) may pass instead of answering prompts. */
export interface StartKernelHereOptions {
  /** The image (a local reference or a registry one); skips the pick. */
  readonly image?: string;
  /** The kernelspec; default: the image's (probed), else asked, python3 offered. */
  readonly kernelspec?: string;
  /** True: push a local-only image without asking. */
  readonly push?: boolean;
  /** The notebook; default: the active one, else one the user picks or opens. */
  readonly notebook?: vscode.Uri;
}

export interface StartKernelHereResult {
  readonly controllerId: string;
  /** The image the pod runs (after a push: the pushed reference). */
  readonly image: string;
  readonly notebook: vscode.Uri;
  /** Seconds spent pushing (when it pushed) and starting the kernel. */
  readonly pushSeconds?: number;
  readonly startSeconds: number;
}

type ImageItem = vscode.QuickPickItem & { readonly source?: KernelSource; readonly enter?: true };

/**
 * "Start Kernel Here" on a namespace: picks a notebook and an image that serves Jupyter, pushes the image to
 * berth.registry when the cluster could not pull it otherwise, then makes "Berth: IMAGE on CONTEXT/NAMESPACE" the
 * notebook's kernel and starts it.
 */
export class StartKernelHere {
  constructor(private readonly deps: StartKernelHereDeps) {}

  async execute(context: string, namespace: string, options: StartKernelHereOptions = {}): Promise<StartKernelHereResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      throw new BerthError('Berth does not start kernels in an untrusted workspace: a kernel runs code. Trust the workspace (Workspaces: Manage Workspace Trust) first.');
    }
    const editor = await this.notebookEditor(options.notebook);
    if (!editor) return undefined;
    const picked = options.image ? { reference: options.image, kernelspec: options.kernelspec } : await this.pickImage(context, namespace);
    if (!picked) return undefined;
    const kernelspec = picked.kernelspec ?? (await this.kernelspecFor(picked.reference));
    if (!kernelspec) return undefined;

    const route = imageRoute(picked.reference, this.localImages(), this.deps.registry());
    let image = route.image;
    let pushSeconds: number | undefined;
    if (route.kind === 'local-only') {
      void vscode.window.showErrorMessage(route.message, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.registry}`);
      });
      return undefined;
    }
    if (route.kind === 'push') {
      if (!options.push && !(await this.confirmPush(route))) return undefined;
      const t0 = Date.now();
      const pushed = await this.deps.push(route.image, route.target);
      if (!pushed) return undefined;
      pushSeconds = (Date.now() - t0) / 1000;
      image = pushed;
    }

    const target: StartedTarget = { context, namespace, image, kernelspec };
    this.deps.log.info(`Start Kernel Here: ${image} (${kernelspec}) on ${context}/${namespace} for ${editor.notebook.uri.fsPath}`);
    const t0 = Date.now();
    const { controllerId } = await this.deps.startPodKernel(target, editor);
    const startSeconds = (Date.now() - t0) / 1000;
    this.deps.log.info(`Start Kernel Here: kernel idle on ${context}/${namespace} ${pushSeconds !== undefined ? `(push ${pushSeconds.toFixed(1)} s, ` : '('}start ${startSeconds.toFixed(1)} s)`);
    return { controllerId, image, notebook: editor.notebook.uri, ...(pushSeconds !== undefined ? { pushSeconds } : {}), startSeconds };
  }

  private localImages() {
    const state = this.deps.images.state;
    return state.kind === 'ready' ? state.images : [];
  }

  /** The notebook to start the kernel for: the given or active one, else one the user picks among the open ones or opens. */
  private async notebookEditor(given?: vscode.Uri): Promise<vscode.NotebookEditor | undefined> {
    const show = async (uri: vscode.Uri) => vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(uri));
    if (given) return show(given);
    const active = vscode.window.activeNotebookEditor;
    if (active?.notebook.notebookType === Notebooks.type) return active;
    const open = vscode.workspace.notebookDocuments.filter((n) => n.notebookType === Notebooks.type && !n.isClosed);
    let uri: vscode.Uri | undefined;
    if (open.length) {
      const other = { label: '$(folder-opened) Open Another Notebook…', uri: undefined };
      const items = [...open.map((n) => ({ label: vscode.workspace.asRelativePath(n.uri), uri: n.uri as vscode.Uri | undefined })), other];
      const choice = await vscode.window.showQuickPick(items, { title: 'Start Kernel Here: for which notebook?' });
      if (!choice) return undefined;
      uri = choice.uri;
    }
    if (!uri) {
      if (!open.length) {
        const answer = await vscode.window.showInformationMessage('Start Kernel Here starts a kernel for a notebook, and no notebook is open.', 'Open Notebook…');
        if (!answer) return undefined;
      }
      const [chosen] =
        (await vscode.window.showOpenDialog({
          title: 'Start Kernel Here: open a notebook',
          canSelectMany: false,
          filters: { 'Jupyter Notebooks': ['ipynb'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        })) ?? [];
      uri = chosen;
    }
    return uri && show(uri);
  }

  private describeRoute(route: ImageRoute): string {
    switch (route.kind) {
      case 'pull':
        return 'in a registry: the cluster pulls it';
      case 'push':
        return `only on this machine: pushed to ${route.registry} first`;
      case 'local-only':
        return 'only on this machine: set berth.registry to push it';
    }
  }

  /** Local images that serve Jupyter (one row per kernelspec), then "Enter image reference…". */
  private async pickImage(context: string, namespace: string): Promise<{ reference: string; kernelspec?: string } | undefined> {
    const sources = this.deps.probes.sources;
    const images = this.localImages();
    const registry = this.deps.registry();
    const specs = new Map<string, number>();
    for (const s of sources) specs.set(s.reference, (specs.get(s.reference) ?? 0) + 1);
    const pending = images.filter((i) => ['pending', 'probing'].includes(this.deps.probes.stateOf(i.id)?.kind ?? '')).length;
    const items: ImageItem[] = [
      ...(sources.length ? [{ label: 'Local images that serve Jupyter', kind: vscode.QuickPickItemKind.Separator }] : []),
      ...sources.map(
        (source): ImageItem => ({
          label: source.reference,
          description: (specs.get(source.reference) ?? 0) > 1 ? source.kernelspec.displayName : undefined,
          detail: `${this.describeRoute(imageRoute(source.reference, images, registry))} · ${source.kernelspec.displayName} · ${formatSize(source.image.sizeBytes)}`,
          source,
        }),
      ),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(edit) Enter image reference…', detail: 'An image in a registry the cluster pulls from', enter: true },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `Start Kernel Here: ${context}/${namespace}`,
      placeHolder: pending ? `Image for the kernel pod (${pending} local image${pending === 1 ? ' is' : 's are'} still being checked for Jupyter)` : 'Image for the kernel pod',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    if (picked.source) return { reference: picked.source.reference, kernelspec: picked.source.kernelspec.name };
    const reference = await vscode.window.showInputBox({
      title: `Start Kernel Here: ${context}/${namespace}`,
      prompt: 'Image reference (registry/repository:tag) the cluster can pull, or a local image to push',
      value: normalizeRegistry(registry) ? `${normalizeRegistry(registry)}/` : '',
      validateInput: (v) => validateImageReference(v),
      ignoreFocusOut: true,
    });
    return reference ? { reference: reference.trim() } : undefined;
  }

  /** The kernelspec of a typed reference: the probe's when it is a local image (a pick if several), else asked. */
  private async kernelspecFor(reference: string): Promise<string | undefined> {
    const local = this.deps.probes.sources.filter((s) => s.reference === reference);
    if (local.length === 1) return local[0].kernelspec.name;
    if (local.length > 1) {
      const picked = await vscode.window.showQuickPick(
        local.map((s) => ({ label: s.kernelspec.displayName, description: s.kernelspec.name, name: s.kernelspec.name })),
        { title: `Start Kernel Here: which kernel of ${reference}?` },
      );
      return picked?.name;
    }
    const name = await vscode.window.showInputBox({
      title: `Start Kernel Here: kernel of ${reference}`,
      prompt: 'Kernelspec name in the image (checked when the pod is up)',
      value: 'python3',
      validateInput: (v) => (/^[A-Za-z0-9._-]+$/.test(v.trim()) ? undefined : 'A kernelspec name: letters, digits, ".", "_" and "-".'),
      ignoreFocusOut: true,
    });
    return name?.trim() || undefined;
  }

  private async confirmPush(route: Extract<ImageRoute, { kind: 'push' }>): Promise<boolean> {
    const action = `Push to ${route.registry} and Start`;
    const answer = await vscode.window.showInformationMessage(
      `${route.image} is only on this machine: the cluster cannot pull it.`,
      { modal: true, detail: `Berth pushes it to ${route.registry} as ${route.target} (with progress), then starts the kernel pod from there.` },
      action,
    );
    return answer === action;
  }
}
