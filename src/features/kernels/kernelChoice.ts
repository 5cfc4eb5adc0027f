import type { KernelSource } from '../../core/images/imageProbes';
import type { DockerKernelTarget, ImageProbe, KernelSpecInfo, KubernetesKernelTarget, RunningServer } from '../../core/kernels/api';
import type { PodKernelTarget } from '../../core/kubernetes/kernelTargets';
import { podWhere } from '../../core/kubernetes/kernelTargets';
import { resourceName, servesTarget } from '../../core/kernels/launchers';

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
      /** The image's probe (the picker's): the start uses it instead of probing again. */
      readonly probe: ImageProbe;
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
    probe: source.probe,
  };
}

export function podChoice(pod: PodKernelTarget): KernelChoice {
  // The kernelspec as the image's probe describes it once known; else the name the target has (checked at start).
  return { kind: 'kubernetes', id: pod.id, reference: pod.where, kernelspec: pod.kernelspecInfo ?? { name: pod.target.kernelspec, displayName: pod.target.kernelspec, language: '' }, target: pod.target, pod };
}

/** Whether a server found by label runs this choice's kernel (same kind, image and kernelspec; same cluster place for pods). */
export function servesChoice(server: Pick<RunningServer, 'target'>, choice: KernelChoice): boolean {
  return servesTarget(server, choice.target);
}

export { resourceName };

/** "IMAGE" for a container, "IMAGE on CONTEXT/NAMESPACE" for a pod. */
export function serverWhere(server: Pick<RunningServer, 'target'>): string {
  return server.target.kind === 'kubernetes' ? podWhere(server.target) : server.target.image;
}
