// Push and pull, the pure parts: image references and registry hosts, the default push target, credentials
// from the Docker config file, per-layer progress from the engine's JSON stream, and one-line failures.
import { BerthError } from '../common/errors';

export interface ImageReference {
  /** `host[:port]` when the reference names a registry, else undefined (Docker Hub). */
  readonly registry?: string;
  /** The repository path without the registry: `berth/python`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';

/** Splits a reference the way Docker does: the first component is a registry when it has a dot, a port or is localhost. */
export function parseReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, path: rest.slice(slash + 1), tag, digest };
  }
  return { path: rest, tag, digest };
}

export function formatReference(ref: ImageReference): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function registryOf(reference: string): string {
  return parseReference(reference).registry ?? DOCKER_HUB;
}

/** `berth.registry` as a host: `http://127.0.0.1:5000/` → `127.0.0.1:5000`. */
export function normalizeRegistry(setting: string | undefined): string | undefined {
  const host = setting?.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  return host ? host : undefined;
}

/**
 * The push target offered for an image: `berth.registry` + the image's repository path and tag (a registry the
 * image already names is replaced). Without `berth.registry`, the image's own reference.
 */
export function defaultPushTarget(registrySetting: string | undefined, image: string): string {
  const registry = normalizeRegistry(registrySetting);
  const ref = parseReference(image);
  if (!registry) return formatReference({ ...ref, digest: undefined, tag: ref.tag ?? 'latest' });
  return formatReference({ registry, path: ref.path, tag: ref.tag ?? 'latest' });
}

export type RegistryAuth = { readonly username: string; readonly password: string; readonly serveraddress: string } | { readonly identitytoken: string; readonly serveraddress: string };

export interface CredentialLookup {
  readonly auth?: RegistryAuth;
  /** A credential helper the config names for this registry; Berth does not run helpers. */
  readonly helper?: string;
}

function keyHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

/** The credentials for `registry` in a Docker config file (`auths`), or the helper it would need. */
export function credentialsFor(config: unknown, registry: string): CredentialLookup {
  if (typeof config !== 'object' || config === null) return {};
  const c = config as { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>; credsStore?: string; credHelpers?: Record<string, string> };
  const wanted = keyHost(registry);
  const entry = Object.entries(c.auths ?? {}).find(([key]) => keyHost(key) === wanted)?.[1];
  if (entry) {
    if (entry.identitytoken) return { auth: { identitytoken: entry.identitytoken, serveraddress: registry } };
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) {
        username = decoded.slice(0, sep);
        password = decoded.slice(sep + 1);
      }
    }
    if (username && password !== undefined) return { auth: { username, password, serveraddress: registry } };
  }
  const helper = Object.entries(c.credHelpers ?? {}).find(([key]) => keyHost(key) === wanted)?.[1] ?? c.credsStore;
  return helper ? { helper } : {};
}

/** One JSON message of the engine's push/pull stream. */
export interface TransferMessage {
  readonly id?: string;
  readonly status?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly Digest?: string };
}

interface Layer {
  status: string;
  current: number;
  total: number;
}

const DONE = /^(Pushed|Layer already exists|Mounted from|Pull complete|Already exists|Download complete)/;
const isLayerId = (id: string | undefined): id is string => !!id && /^[0-9a-f]{12}$/.test(id);

/** Per-layer state of a push or pull, summarised for a progress notification. */
export class TransferProgress {
  private readonly layers = new Map<string, Layer>();
  digest?: string;
  lastStatus = '';

  constructor(private readonly kind: 'push' | 'pull') {}

  /** Feeds one message; returns the engine's error text when the message is a failure. */
  feed(message: TransferMessage): string | undefined {
    if (message.error || message.errorDetail?.message) {
      return message.errorDetail?.message ?? message.error;
    }
    if (message.aux?.Digest) this.digest = message.aux.Digest;
    const status = message.status ?? '';
    const digest = /digest: (sha256:[0-9a-f]{64})/i.exec(status)?.[1];
    if (digest) this.digest = digest;
    if (isLayerId(message.id)) {
      const layer = this.layers.get(message.id) ?? { status: '', current: 0, total: 0 };
      layer.status = status;
      if (message.progressDetail?.total) {
        layer.total = message.progressDetail.total;
        layer.current = message.progressDetail.current ?? layer.current;
      }
      if (DONE.test(status)) layer.current = layer.total;
      this.layers.set(message.id, layer);
    } else if (status) {
      this.lastStatus = status;
    }
    return undefined;
  }

  get layerCount(): number {
    return this.layers.size;
  }

  get doneCount(): number {
    return [...this.layers.values()].filter((l) => DONE.test(l.status)).length;
  }

  /** 0–100 over the bytes known so far. */
  get percent(): number {
    const layers = [...this.layers.values()];
    const total = layers.reduce((n, l) => n + l.total, 0);
    if (total === 0) return layers.length && this.doneCount === layers.length ? 100 : 0;
    return Math.min(100, Math.floor((layers.reduce((n, l) => n + Math.min(l.current, l.total), 0) / total) * 100));
  }

  /** One line: "2/5 layers pushed · a1b2c3d4e5f6 Pushing 12 MB/40 MB · …". */
  get summary(): string {
    const verb = this.kind === 'push' ? 'pushed' : 'pulled';
    if (this.layers.size === 0) return this.lastStatus || (this.kind === 'push' ? 'Preparing…' : 'Resolving…');
    const active = [...this.layers.entries()]
      .filter(([, l]) => !DONE.test(l.status))
      .slice(0, 3)
      .map(([id, l]) => `${id.slice(0, 12)} ${l.status}${l.total ? ` ${mb(l.current)}/${mb(l.total)}` : ''}`);
    return [`${this.doneCount}/${this.layers.size} layers ${verb}`, ...active].join(' · ');
  }

  /** Every layer, one line each, for the log. */
  get lines(): string[] {
    return [...this.layers.entries()].map(([id, l]) => `${id} ${l.status}${l.total ? ` (${mb(l.current)}/${mb(l.total)})` : ''}`);
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}

export type TransferFailureKind = 'unreachable' | 'authRequired' | 'authRefused' | 'nameRejected' | 'manifestUnknown' | 'noSuchImage' | 'other';

export class RegistryError extends BerthError {
  constructor(
    readonly kind: TransferFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * One line per cause, from the engine's own error text. Whether Berth sent credentials decides between "needs
 * credentials" and "refused them": registries answer both with the same 401 text.
 */
export function classifyTransferFailure(
  kind: 'push' | 'pull',
  reference: string,
  engineMessage: string,
  options: { readonly cause?: unknown; readonly sentCredentials: boolean; readonly helper?: string },
): RegistryError {
  const registry = registryOf(reference);
  // dockerode frames engine answers as "(HTTP code 400) unexpected - …": the engine's own text is what matters.
  const text = engineMessage.replace(/^\(HTTP code \d+\)[^-]*- /, '').replace(/\s+/g, ' ').trim();
  const verb = kind === 'push' ? 'Push of' : 'Pull of';
  const make = (k: TransferFailureKind, message: string) => new RegistryError(k, message, { cause: options.cause });
  const helperNote = options.helper ? ` (the Docker config names the credential helper "${options.helper}", which Berth does not run)` : '';
  const auth = /authentication required|no basic auth credentials|unauthorized|incorrect username or password|requested access to the resource is denied|denied:|insufficient_scope/i.test(text);
  if (!auth && /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|connection reset|server misbehaving/i.test(text)) {
    return make('unreachable', `${verb} ${reference} failed: no registry answers at ${registry} (${shortCause(text)}).`);
  }
  if (auth) {
    return options.sentCredentials
      ? make('authRefused', `${verb} ${reference} failed: the registry ${registry} refused the credentials from the Docker config (${shortCause(text)}).`)
      : make('authRequired', `${verb} ${reference} failed: the registry ${registry} needs credentials: run docker login ${registry}${helperNote}.`);
  }
  if (/invalid reference format|repository name must|NAME_INVALID|invalid repository name|name unknown|NAME_UNKNOWN|TAG_INVALID|must be lowercase/i.test(text)) {
    return make('nameRejected', `${verb} ${reference} failed: the name was rejected (${shortCause(text)}).`);
  }
  if (/manifest unknown|manifest for .* not found|MANIFEST_UNKNOWN|not found: manifest/i.test(text)) {
    const ref = parseReference(reference);
    return make('manifestUnknown', `${verb} ${reference} failed: ${registry} has no image ${ref.path}:${ref.tag ?? 'latest'} (manifest unknown).`);
  }
  if (/no such image|An image does not exist locally/i.test(text)) {
    return make('noSuchImage', `${verb} ${reference} failed: there is no local image ${reference}.`);
  }
  return make('other', `${verb} ${reference} failed: ${shortCause(text)}.`);
}

function shortCause(text: string): string {
  // The engine repeats the URL it tried; the tail ("connect: connection refused") is what matters.
  const dial = /dial tcp [^:]+:\d+: (.*)$/.exec(text);
  const cause = dial ? dial[1] : text;
  return cause.length > 200 ? `${cause.slice(0, 199)}…` : cause;
}

/** The port for pushing and pulling through the engine; src/adapters/docker implements it with dockerode. */
export interface ImageTransfer {
  /** Tags `image` as `target` when they differ, then pushes `target`. Resolves with the pushed digest. */
  push(image: string, target: string, onProgress: (progress: TransferProgress) => void, signal: AbortSignal): Promise<{ readonly digest?: string }>;
  pull(reference: string, onProgress: (progress: TransferProgress) => void, signal: AbortSignal): Promise<{ readonly digest?: string }>;
}
