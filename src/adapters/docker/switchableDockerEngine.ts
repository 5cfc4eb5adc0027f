import type Docker from 'dockerode';
import type { DockerEngine, EngineEvent, ImageInfo } from '../../core/docker/engine';
import type { Disposable } from '../../core/common/lifecycle';
import { DockerodeEngine } from './dockerEngine';

interface Watcher {
  readonly onEvent: (event: EngineEvent) => void;
  readonly onEnd: (error: Error) => void;
  inner: Disposable | undefined;
}

/**
 * The engine of the `berth.docker.host` setting, which can change while Berth runs. Everything built on it (the
 * kernel launcher, the probes, the views' event streams) follows a change without being rebuilt: calls go to the
 * current engine, and open event streams move to the new one. Kernels already running keep their own engine.
 */
export class SwitchableDockerEngine implements DockerEngine {
  private current: DockerodeEngine;
  private readonly watchers = new Set<Watcher>();

  constructor(hostSetting: string | undefined, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.current = new DockerodeEngine(hostSetting, env);
  }

  get address(): string {
    return this.current.address;
  }

  get kind(): DockerodeEngine['kind'] {
    return this.current.kind;
  }

  get docker(): Docker {
    return this.current.docker;
  }

  switchTo(hostSetting: string | undefined): void {
    this.current = new DockerodeEngine(hostSetting, this.env);
    for (const watcher of this.watchers) {
      watcher.inner?.dispose();
      this.subscribe(watcher);
    }
  }

  ping(signal?: AbortSignal): Promise<void> {
    return this.current.ping(signal);
  }

  listImages(signal?: AbortSignal): Promise<ImageInfo[]> {
    return this.current.listImages(signal);
  }

  watchEvents(onEvent: (event: EngineEvent) => void, onEnd: (error: Error) => void): Disposable {
    const watcher: Watcher = { onEvent, onEnd, inner: undefined };
    this.watchers.add(watcher);
    this.subscribe(watcher);
    return {
      dispose: () => {
        this.watchers.delete(watcher);
        watcher.inner?.dispose();
      },
    };
  }

  private subscribe(watcher: Watcher): void {
    watcher.inner = this.current.watchEvents(watcher.onEvent, (error) => {
      this.watchers.delete(watcher);
      watcher.onEnd(error);
    });
  }
}
