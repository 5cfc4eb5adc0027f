import * as vscode from 'vscode';
import { Settings } from '../constants';
import { DEFAULT_PANDOC_IMAGE } from '../core/docs/export';
import { DEFAULT_R_IMAGE } from '../core/docs/knit';
import { DEFAULT_IDLE_TIMEOUT_S } from '../core/kernels/containerSpec';
import { parseKubernetesTargets, type ParsedTargets } from '../core/kubernetes/kernelTargets';

/** Keep in step with package.json (`berth.output.maxBytes`); README says why this size. */
export const DEFAULT_OUTPUT_MAX_BYTES = 2 * 1024 * 1024;

/** Typed access to Berth's settings, with one change event per setting group. */
export class Config implements vscode.Disposable {
  private readonly dockerHostChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeDockerHost = this.dockerHostChanged.event;
  private readonly kernelPrestartChanged = new vscode.EventEmitter<void>();
  /** berth.kernel.prestart changed. */
  readonly onDidChangeKernelPrestart = this.kernelPrestartChanged.event;
  private readonly kubernetesChanged = new vscode.EventEmitter<{ readonly kubeconfig: boolean; readonly context: boolean; readonly namespace: boolean; readonly targets: boolean }>();
  /** berth.kubernetes.kubeconfig, .context, .namespace or .targets changed; says which. */
  readonly onDidChangeKubernetes = this.kubernetesChanged.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      const affects = (key: string) => e.affectsConfiguration(`${Settings.section}.${key}`);
      if (affects(Settings.dockerHost)) {
        this.dockerHostChanged.fire();
      }
      if (affects(Settings.kernelPrestart)) {
        this.kernelPrestartChanged.fire();
      }
      const change = { kubeconfig: affects(Settings.kubeconfig), context: affects(Settings.kubernetesContext), namespace: affects(Settings.kubernetesNamespace), targets: affects(Settings.kubernetesTargets) };
      if (change.kubeconfig || change.context || change.namespace || change.targets) {
        this.kubernetesChanged.fire(change);
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

  /** `berth.kernel.prestart`: start a notebook's kernel when it opens with one chosen, before the first run. */
  get kernelPrestart(): boolean {
    return this.section.get<boolean>(Settings.kernelPrestart, true);
  }

  /** `berth.kernel.idleTimeout`: seconds with no client before a kernel's server shuts itself down (0: never). */
  kernelIdleTimeout(scope?: vscode.Uri): number {
    const value = vscode.workspace.getConfiguration(Settings.section, scope).get<number>(Settings.kernelIdleTimeout, DEFAULT_IDLE_TIMEOUT_S);
    return Number.isFinite(value) && value >= 0 ? Math.floor(value) : DEFAULT_IDLE_TIMEOUT_S;
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

  /** berth.kubernetes.kubeconfig: a kubeconfig path (or several, joined like KUBECONFIG); empty: KUBECONFIG, else ~/.kube/config. */
  get kubeconfig(): string {
    return this.section.get<string>(Settings.kubeconfig, '').trim();
  }

  get kubernetesContext(): string {
    return this.section.get<string>(Settings.kubernetesContext, '').trim();
  }

  /** berth.kubernetes.copyLimitMB, in bytes: the most a notebook's folder may hold to be copied into its kernel pod. */
  get kubernetesCopyLimitBytes(): number {
    const mb = this.section.get<number>(Settings.kubernetesCopyLimitMB, 100);
    return Math.max(1, Number.isFinite(mb) ? mb : 100) * 1024 * 1024;
  }

  get kubernetesNamespace(): string {
    return this.section.get<string>(Settings.kubernetesNamespace, '').trim();
  }

  /**
   * `berth.kubernetes.targets`, parsed and checked: the pod kernel sources, read with the kubeconfig the Cluster view
   * reads (`berth.kubernetes.kubeconfig`, else KUBECONFIG, else ~/.kube/config). Bad entries come back as problems.
   */
  kubernetesTargets(): ParsedTargets {
    return parseKubernetesTargets(this.section.get<unknown>(Settings.kubernetesTargets), this.kubeconfig || undefined);
  }

  /** How many of a pod's last log lines Show Logs starts with. */
  get podLogTailLines(): number {
    const n = this.section.get<number>(Settings.podLogTailLines, 500);
    return Number.isInteger(n) && n > 0 ? n : 500;
  }

  /** berth.registry: the registry Push Image offers, e.g. 127.0.0.1:5000. */
  get registry(): string {
    return this.section.get<string>(Settings.registry, '').trim();
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
    this.kernelPrestartChanged.dispose();
    this.kubernetesChanged.dispose();
  }
}
