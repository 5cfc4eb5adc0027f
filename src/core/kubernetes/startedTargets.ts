// "Start Kernel Here" in the Cluster view: the pod targets started there (a context, a namespace, an image and a
// kernelspec), remembered per workspace so their kernel picker entries survive a reload, and whether the cluster
// can pull the chosen image as it is or it must be pushed to `berth.registry` first. Pure: unit-tested.
import type { ImageInfo } from '../docker/engine';
import { DOCKER_HUB, defaultPushTarget, normalizeRegistry, parseReference } from '../images/registryTransfer';
import { parseKubernetesTargets, podControllerId, type ParsedTargets, type PodKernelTarget } from './kernelTargets';

/** A target started from the Cluster view. Everything else (resources, pull policy …) is the cluster's default. */
export interface StartedTarget {
  readonly context: string;
  readonly namespace: string;
  /** The reference the cluster pulls (after a push: the pushed one). */
  readonly image: string;
  readonly kernelspec: string;
}

/** The most started targets a workspace remembers (the oldest goes first). */
export const MAX_STARTED_TARGETS = 10;

/** What the picker's detail says of a started target, so it is told apart from a configured one. */
export const STARTED_DETAIL = 'started from the Cluster view';

function isStarted(value: unknown): value is StartedTarget {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && ['context', 'namespace', 'image', 'kernelspec'].every((k) => typeof v[k] === 'string' && v[k] !== '');
}

/** The remembered list as stored (workspace state); anything malformed is dropped, never a crash. */
export function readStartedTargets(raw: unknown): StartedTarget[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isStarted).map(({ context, namespace, image, kernelspec }) => ({ context, namespace, image, kernelspec }));
}

/** The list with `target` first (moved there if it was already remembered), at most `max` long. */
export function rememberStartedTarget(list: readonly StartedTarget[], target: StartedTarget, max = MAX_STARTED_TARGETS): StartedTarget[] {
  const id = podControllerId(target);
  return [target, ...list.filter((t) => podControllerId(t) !== id)].slice(0, max);
}

/**
 * The pod kernel sources: the configured ones, then the started ones that no configured target already gives
 * (a configured target with the same context, namespace, image and kernelspec is the same kernel, and wins).
 * Started targets are checked with the same rules; one that no longer passes is left out.
 */
export function withStartedTargets(configured: ParsedTargets, started: readonly StartedTarget[], kubeconfig?: string): PodKernelTarget[] {
  const have = new Set(configured.targets.map((t) => t.id));
  const parsed = parseKubernetesTargets(started, kubeconfig).targets.filter((t) => !have.has(t.id));
  return [...configured.targets, ...parsed.map((t) => ({ ...t, detail: `${t.detail} · ${STARTED_DETAIL}` }))];
}

/** What Start Kernel Here must do so that the cluster can pull `reference`. */
export type ImageRoute =
  /** The cluster pulls it as it is: a registry has it (it was pulled or pushed), or it is not a local image at all. */
  | { readonly kind: 'pull'; readonly image: string }
  /** Only on this machine: push it to `registry` as `target` first. */
  | { readonly kind: 'push'; readonly image: string; readonly target: string; readonly registry: string }
  /** Only on this machine and no `berth.registry`: the cluster cannot pull it. */
  | { readonly kind: 'local-only'; readonly image: string; readonly message: string };

/** `registry/path` with Docker's defaults spelled out, so `python` and `docker.io/library/python` compare equal. */
function repository(reference: string): string {
  const ref = parseReference(reference);
  const registry = ref.registry ?? DOCKER_HUB;
  const path = registry === DOCKER_HUB && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
  return `${registry}/${path}`;
}

/**
 * A local image is in a registry when the engine holds a repository digest for the reference's repository (it
 * was pulled from there or pushed there): digests belong to an image's content, so that content is what the
 * registry serves. A reference no local image has is taken as a registry reference (the cluster pulls it).
 */
export function imageRoute(reference: string, images: readonly ImageInfo[], registrySetting: string | undefined): ImageRoute {
  const image = images.find((i) => i.tags.includes(reference));
  if (!image) return { kind: 'pull', image: reference };
  const repo = repository(reference);
  if (image.digests.some((d) => repository(d) === repo)) return { kind: 'pull', image: reference };
  const registry = normalizeRegistry(registrySetting);
  if (registry) return { kind: 'push', image: reference, target: defaultPushTarget(registry, reference), registry };
  return {
    kind: 'local-only',
    image: reference,
    message: `${reference} exists only on this machine (it was never pushed to a registry), so the cluster cannot pull it. Set berth.registry to a registry the cluster pulls from (Start Kernel Here then offers to push the image there), or push it yourself and enter its registry reference.`,
  };
}
