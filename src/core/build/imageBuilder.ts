import type { BuildStreamEvent } from './buildStream';

export interface BuildRequest {
  /** Absolute path of the context folder. */
  readonly contextDir: string;
  /** The Dockerfile relative to the context, `/`-separated. */
  readonly dockerfile: string;
  /** `name:tag` to give the image. */
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The port through which core builds images. Implemented in src/adapters/docker. */
export interface ImageBuilder {
  /**
   * Sends the context and streams the engine's progress to `onEvent` until the engine ends the build.
   * Failures the engine reports (a failing step, a Dockerfile it refuses) arrive as `error` events; the promise
   * rejects only when the context cannot be read (BerthError), the engine cannot be reached, or `signal` aborts.
   */
  build(request: BuildRequest, onEvent: (event: BuildStreamEvent) => void, signal?: AbortSignal): Promise<void>;
}
