import type { KernelSource } from '../../core/images/imageProbes';
import type { DockerKernelTarget, KernelSpecInfo, KubernetesKernelTarget, RunningServer } from '../../core/kernels/api';
import type { PodKernelTarget } from '../../core/kubernetes/kernelTargets';
import { podWhere } from '../../core/kubernetes/kernelTargets';

/** A Docker controller's id: stable across windows and reloads (VS Code remembers a notebook's kernel by it). */
export function controllerId(reference: string, kernelspec: string): string {
  return `docker:${reference}:${kernelspec}`;
}

/**
 * One entry of the kernel picker, whatever runs it: a local image (probed) or a configured pod target. The notebook
 * kernels, the cell runner, the status bar and the Kernels view only see this.
 */
export type KernelChoice =
  | {
      readonly kind: 'docker';
      readonly id: string;
      /** What the status bar and the Kernels view show: the image reference. */
      readonly reference: string;
      readonly kernelspec: KernelSpecInfo;
      readonly target: DockerKernelTarget;
      readonly local: KernelSource;
    }
  | {
      readonly kind: 'kubernetes';
      readonly id: string;
      /** "IMAGE on CONTEXT/NAMESPACE". */
      readonly reference: string;
      readonly kernelspec: KernelSpecInfo;
      readonly target: KubernetesKernelTarget;
      readonly pod: PodKernelTarget;
    };

export function dockerChoice(source: KernelSource): KernelChoice {
  return {
    kind: 'docker',
    id: controllerId(source.reference, source.kernelspec.name),
    reference: source.reference,
    kernelspec: source.kernelspec,
    target: { kind: 'docker', image: source.reference, kernelspec: source.kernelspec.name },
    local: source,
  };
}

export function podChoice(pod: PodKernelTarget): KernelChoice {
  // The kernelspec as the image's probe describes it once known; else the name the target has (checked at start).
  return { kind: 'kubernetes', id: pod.id, reference: pod.where, kernelspec: pod.kernelspecInfo ?? { name: pod.target.kernelspec, displayName: pod.target.kernelspec, language: '' }, target: pod.target, pod };
}

/** Whether a server found by label runs this choice's kernel (same kind, image and kernelspec; same cluster place for pods). */
export function servesChoice(server: Pick<RunningServer, 'target'>, choice: KernelChoice): boolean {
  const t = server.target;
  if (t.kind !== choice.target.kind || t.image !== choice.target.image || t.kernelspec !== choice.target.kernelspec) return false;
  return t.kind === 'docker' || (choice.target.kind === 'kubernetes' && t.context === choice.target.context && t.namespace === choice.target.namespace);
}

/** How a server is named in messages: a container by its short id, a pod as NAMESPACE/NAME. */
export function resourceName(target: { readonly kind: string }, resourceId: string): string {
  return target.kind === 'kubernetes' ? `pod ${resourceId}` : `container ${resourceId.replace(/^sha256:/, '').slice(0, 12)}`;
}

/** "IMAGE" for a container, "IMAGE on CONTEXT/NAMESPACE" for a pod. */
export function serverWhere(server: Pick<RunningServer, 'target'>): string {
  return server.target.kind === 'kubernetes' ? podWhere(server.target) : server.target.image;
}
