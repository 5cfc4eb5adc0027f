import * as vscode from 'vscode';
import { StateKeys } from '../../constants';
import type { PodKernelTarget } from '../../core/kubernetes/kernelTargets';
import { readStartedTargets, rememberStartedTarget, withStartedTargets, type StartedTarget } from '../../core/kubernetes/startedTargets';
import type { Config } from '../config';

/**
 * The pod targets started from the Cluster view, in the workspace's state: after a reload their kernel picker
 * entries are back, so VS Code re-selects a notebook's pod kernel and Berth re-attaches to its pod.
 */
export class StartedPodTargets implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get all(): StartedTarget[] {
    return readStartedTargets(this.state.get<unknown>(StateKeys.startedPodTargets));
  }

  async remember(target: StartedTarget): Promise<void> {
    await this.state.update(StateKeys.startedPodTargets, rememberStartedTarget(this.all, target));
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Every pod kernel source: `berth.kubernetes.targets`, then those started from the Cluster view. */
export function allPodTargets(config: Config, started: StartedPodTargets): PodKernelTarget[] {
  return withStartedTargets(config.kubernetesTargets(), started.all, config.kubeconfig || undefined);
}
