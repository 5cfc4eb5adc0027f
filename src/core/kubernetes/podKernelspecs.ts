// Which kernelspecs a pod target's image has, when the target names none. The local probe answers when the image is
// local and provably the same (same manifest digest, or the registry's config digest equals the local image id);
// else a probe pod in the target's namespace does, and its answer is cached by manifest digest (a digest never
// changes content, so the answer never goes stale). The choice and the cache are pure; the ports do the I/O.
import { errorMessage, isCancellation } from '../common/errors';
import { Emitter } from '../common/event';
import type { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';
import type { ImageProbe, KernelSpecInfo, KubernetesKernelTarget } from '../kernels/api';
import { DOCKER_HUB, parseReference } from '../images/registryTransfer';
import { podControllerId, podDetail, type PodKernelTarget } from './kernelTargets';

/** A local image as the choice needs it: its id and its repository digests (`repo@sha256:…`). */
export interface LocalImageRef {
  readonly id: string;
  readonly digests: readonly string[];
}

/** What the registry says a reference is now: the manifest digest, and for a single-platform image its config digest. */
export interface RegistryManifest {
  readonly digest: string;
  readonly configDigest?: string;
}

/** A probe pod's answer: the probe, and the digest the cluster pulled (from the container's imageID). */
export interface PodProbeResult {
  readonly probe: ImageProbe;
  readonly digest?: string;
}

export type KernelspecSource =
  | { readonly kind: 'local'; readonly imageId: string; readonly digest: string }
  | { readonly kind: 'cache'; readonly digest: string }
  | { readonly kind: 'pod'; readonly digest?: string };

const DIGEST = /sha256:[0-9a-f]{64}/;

/** The digest a reference pins (`repo@sha256:…`), or undefined for a tag. */
export function pinnedDigest(reference: string): string | undefined {
  const at = reference.lastIndexOf('@');
  if (at < 0) return undefined;
  const digest = reference.slice(at + 1);
  return DIGEST.test(digest) && digest.length === 71 ? digest : undefined;
}

/**
 * The manifest digest in a container status's imageID: containerd says `repo@sha256:…`, dockershim
 * `docker-pullable://repo@sha256:…`. A bare `sha256:…` is an image (config) id, not a manifest digest: undefined.
 */
export function imageIdDigest(imageID: string | undefined): string | undefined {
  if (!imageID) return undefined;
  const at = imageID.lastIndexOf('@');
  return at < 0 ? undefined : pinnedDigest(`x${imageID.slice(at)}`);
}

/**
 * The registry URL of a tag's manifest, as Docker resolves the reference: Docker Hub is registry-1.docker.io with
 * `library/` for official images; a loopback registry speaks plain http (Docker's own default), any other https.
 */
export function manifestUrl(reference: string): string {
  const ref = parseReference(reference);
  const registry = ref.registry ?? DOCKER_HUB;
  const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
  const path = registry === DOCKER_HUB && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? 'http' : 'https'}://${host}/v2/${path}/manifests/${ref.digest ?? ref.tag ?? 'latest'}`;
}

/** The manifest's config digest: a single-platform manifest has one; an index (several platforms) has none. */
export function configDigestOf(manifest: unknown): string | undefined {
  const config = (manifest as { config?: { digest?: unknown } } | null)?.config;
  return typeof config?.digest === 'string' && DIGEST.test(config.digest) ? config.digest : undefined;
}

/**
 * Where the kernelspecs of `reference` come from. Exact only: a local image serves when one of its repository digests
 * is the digest the reference pins or the registry now gives, or when the registry's config digest is its id. A local
 * image with only the same tag may be stale, so a tag never decides. `cached` says whether the digest cache has an
 * answer.
 */
export function chooseKernelspecSource(reference: string, locals: readonly LocalImageRef[], remote: RegistryManifest | undefined, cached: (digest: string) => boolean): KernelspecSource {
  const digest = pinnedDigest(reference) ?? remote?.digest;
  if (digest) {
    // Any local image with that content will do, whatever it is tagged locally (a push adds the digest to it).
    const same = locals.find((l) => l.digests.some((d) => imageIdDigest(d) === digest)) ?? locals.find((l) => remote?.configDigest !== undefined && l.id === remote.configDigest);
    if (same) return { kind: 'local', imageId: same.id, digest };
  }
  if (digest && cached(digest)) return { kind: 'cache', digest };
  return { kind: 'pod', ...(digest ? { digest } : {}) };
}

/** Probe results by manifest digest. `set` may persist (VS Code's globalState); `get` is synchronous. */
export interface DigestProbeCache {
  get(digest: string): ImageProbe | undefined;
  set(digest: string, probe: ImageProbe): Promise<void>;
}

/** A DigestProbeCache in memory, optionally backed by a persistent one (read through, written through). */
export class MemoryDigestProbeCache implements DigestProbeCache {
  private readonly entries = new Map<string, ImageProbe>();

  constructor(private readonly backing?: DigestProbeCache) {}

  get(digest: string): ImageProbe | undefined {
    return this.entries.get(digest) ?? this.backing?.get(digest);
  }

  async set(digest: string, probe: ImageProbe): Promise<void> {
    this.entries.set(digest, probe);
    await this.backing?.set(digest, probe);
  }
}

export interface PodKernelspecPorts {
  /** The local images (ids and repository digests); none when no engine answers. */
  localImages(signal: AbortSignal): Promise<readonly LocalImageRef[]>;
  /** The local probe of a local image (the Docker launcher's, cached by image id). */
  localProbe(imageId: string, signal: AbortSignal): Promise<ImageProbe>;
  /** The registry's manifest of the reference, or undefined when the registry does not answer this machine. */
  registryManifest(reference: string, signal: AbortSignal): Promise<RegistryManifest | undefined>;
  /** Runs a probe pod for the target (its context, namespace, pull settings). */
  probePod(target: KubernetesKernelTarget, signal: AbortSignal): Promise<PodProbeResult>;
}

export interface ResolvedKernelspecs {
  readonly probe: ImageProbe;
  readonly via: KernelspecSource['kind'];
  readonly digest?: string;
}

/** Finds a pod target's kernelspecs through the cheapest exact source (see chooseKernelspecSource). */
export class PodKernelspecResolver {
  constructor(
    private readonly ports: PodKernelspecPorts,
    private readonly cache: DigestProbeCache,
  ) {}

  async resolve(target: KubernetesKernelTarget, signal: AbortSignal): Promise<ResolvedKernelspecs> {
    const [locals, remote] = await Promise.all([
      this.ports.localImages(signal).catch(() => []),
      pinnedDigest(target.image) ? Promise.resolve(undefined) : this.ports.registryManifest(target.image, signal).catch(() => undefined),
    ]);
    const source = chooseKernelspecSource(target.image, locals, remote, (d) => this.cache.get(d) !== undefined);
    if (source.kind === 'local') return { probe: await this.ports.localProbe(source.imageId, signal), via: 'local', digest: source.digest };
    if (source.kind === 'cache') return { probe: this.cache.get(source.digest)!, via: 'cache', digest: source.digest };
    const result = await this.ports.probePod(target, signal);
    // The registry may have moved the tag between its answer and the pull: the pulled digest is the one probed.
    const digest = result.digest ?? source.digest;
    if (digest) await this.cache.set(digest, result.probe);
    return { probe: result.probe, via: 'pod', ...(digest ? { digest } : {}) };
  }
}

/**
 * The picker entries of a target once its kernelspecs are known: one per kernelspec, with the Docker controllers'
 * naming ("Berth: IMAGE on CONTEXT/NAMESPACE", and "(R)" for a kernel in another language than Python). A target that
 * names its kernelspec, or whose probe found none, stays one entry.
 */
export function podTargetsWithKernelspecs(pod: PodKernelTarget, kernelspecs: readonly KernelSpecInfo[]): PodKernelTarget[] {
  if (pod.kernelspecNamed || kernelspecs.length === 0) return [pod];
  return kernelspecs.map((spec) => {
    const target = { ...pod.target, kernelspec: spec.name };
    const python = spec.language.toLowerCase() === 'python';
    return {
      ...pod,
      id: podControllerId(target, pod.name),
      label: python ? `Berth: ${pod.where}` : `Berth: ${pod.where} (${spec.displayName})`,
      detail: podDetail(pod.name, target, spec.displayName),
      kernelspecInfo: spec,
      target,
    };
  });
}

export type PodKernelspecState =
  | { readonly kind: 'resolving' }
  | { readonly kind: 'resolved'; readonly probe: ImageProbe; readonly via: KernelspecSource['kind'] }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * The kernelspecs of the configured pod targets that name none, resolved in the background one at a time, and the
 * picker entries they make. A failed resolution (the cluster unreachable) leaves the target's default entry and is
 * tried again when the targets are set again; a resolved one is kept while its target is configured.
 */
export class PodKernelspecsModel implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly states = new Map<string, PodKernelspecState>();
  private readonly abort = new AbortController();
  private targets: readonly PodKernelTarget[] = [];
  private queue: PodKernelTarget[] = [];
  private running = false;

  constructor(
    private readonly resolver: PodKernelspecResolver,
    private readonly log: Logger,
  ) {}

  /** The key of what a resolution depends on: the image and where (and how) it is pulled. */
  private static keyOf(pod: PodKernelTarget): string {
    const t = pod.target;
    return JSON.stringify([t.kubeconfig ?? '', t.context, t.namespace, t.image, t.imagePullPolicy ?? '', t.imagePullSecrets ?? [], t.nodeSelector ?? {}, t.serviceAccount ?? '']);
  }

  stateOf(pod: PodKernelTarget): PodKernelspecState | undefined {
    return this.states.get(PodKernelspecsModel.keyOf(pod));
  }

  setTargets(targets: readonly PodKernelTarget[]): void {
    this.targets = targets;
    const wanted = new Set(targets.filter((t) => !t.kernelspecNamed).map(PodKernelspecsModel.keyOf));
    for (const key of [...this.states.keys()]) if (!wanted.has(key)) this.states.delete(key);
    for (const pod of targets) {
      if (pod.kernelspecNamed) continue;
      const key = PodKernelspecsModel.keyOf(pod);
      const state = this.states.get(key);
      if (state && state.kind !== 'failed') continue;
      this.states.set(key, { kind: 'resolving' });
      this.queue.push(pod);
    }
    void this.drain();
    this.changed.fire();
  }

  /** The picker entries of the targets: expanded per kernelspec where known, the target as configured otherwise. */
  get entries(): PodKernelTarget[] {
    return this.targets.flatMap((pod) => {
      const state = this.stateOf(pod);
      if (state?.kind !== 'resolved') return [pod];
      if (state.probe.kernelspecs.length === 0 || !state.probe.serverCommand) {
        return [{ ...pod, detail: [pod.detail, state.probe.unusableReason].filter(Boolean).join(' · ') }];
      }
      return podTargetsWithKernelspecs(pod, state.probe.kernelspecs);
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let pod = this.queue.shift(); pod && !this.abort.signal.aborted; pod = this.queue.shift()) {
        const key = PodKernelspecsModel.keyOf(pod);
        if (this.states.get(key)?.kind !== 'resolving') continue;
        const t0 = Date.now();
        let next: PodKernelspecState;
        try {
          const { probe, via } = await this.resolver.resolve(pod.target, this.abort.signal);
          this.log.info(`Kernelspecs of ${pod.where} (${via === 'pod' ? 'probe pod' : via === 'cache' ? 'cached by digest' : 'local image, same digest'}, ${Date.now() - t0} ms): ${probe.kernelspecs.map((k) => k.name).join(', ') || probe.unusableReason}`);
          next = { kind: 'resolved', probe, via };
        } catch (error) {
          if (this.abort.signal.aborted) return;
          if (!isCancellation(error)) this.log.warn(`Could not find the kernelspecs of ${pod.where}: ${errorMessage(error)}`);
          next = { kind: 'failed', reason: errorMessage(error) };
        }
        if (this.states.get(key)?.kind === 'resolving') {
          this.states.set(key, next);
          this.changed.fire();
        }
      }
    } finally {
      this.running = false;
    }
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
  }
}
