import type { Disposable } from '../common/lifecycle';

/** A local image as Berth sees it; built by the docker adapter from the engine's answer. */
export interface ImageInfo {
  /** Full image id, `sha256:…`. */
  readonly id: string;
  /** `repo:tag` references; empty for an untagged (dangling) image. */
  readonly tags: readonly string[];
  /** Repository digests (`repo@sha256:…`), empty for images that were never pushed or pulled. */
  readonly digests: readonly string[];
  readonly sizeBytes: number;
  /** Creation time, milliseconds since the epoch. */
  readonly createdMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** One entry of the engine's event stream (`docker events`). */
export interface EngineEvent {
  readonly type: string;
  readonly action: string;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly timeMs: number;
}

/** The port through which core reads the local Docker Engine. Implemented in src/adapters/docker. */
export interface DockerEngine {
  /** The address shown to the user, e.g. `unix:///var/run/docker.sock`. */
  readonly address: string;
  /** Resolves when the engine answers; rejects with EngineUnreachableError otherwise. */
  ping(signal?: AbortSignal): Promise<void>;
  listImages(signal?: AbortSignal): Promise<ImageInfo[]>;
  /**
   * Streams engine events until disposed. `onEnd` is called once if the stream ends by itself
   * (the engine stopped, the connection broke); it is not called after dispose().
   */
  watchEvents(onEvent: (event: EngineEvent) => void, onEnd: (error: Error) => void): Disposable;
}
