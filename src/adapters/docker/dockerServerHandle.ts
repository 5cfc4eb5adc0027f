// A Jupyter server running in a Berth kernel container: its address, token and lifetime.
import type Docker from 'dockerode';
import { BerthError, errorMessage } from '../../core/common/errors';
import { Emitter, type Event } from '../../core/common/event';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { KernelTarget, ServerHandle } from '../../core/kernels/api';
import { CONFIG_DIR, CONFIG_FILE } from '../../core/kernels/containerSpec';
import { isRecord } from '../../core/kernels/outputMapping';
import { followLogs, logTail } from './dockerLogs';
import { isNotFound } from './dockerErrors';
import { publishedLoopbackPort } from './kernelTunnel';
import type { ServerTunnel } from './serverTunnel';
import { firstFileIn } from './tarArchive';

/** `docker stop` grace period; Init: true makes Jupyter exit on SIGTERM well within it. */
const STOP_TIMEOUT_S = 2;
/** How long a remote engine may stay out of reach (a network blip) before its kernel counts as lost. */
const REMOTE_ENGINE_GRACE_MS = 90_000;

export class DockerServerHandle implements ServerHandle {
  readonly startedAtMs: number;
  private readonly exitEmitter = new Emitter<{ readonly reason: string }>();
  readonly onDidExit = this.exitEmitter.event;
  private disposing: Promise<void> | undefined;
  private detached = false;
  private exited = false;

  private constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    readonly baseUrl: string,
    readonly token: string,
    readonly target: KernelTarget,
    startedAt: string,
    private readonly log: Logger,
    /** The tunnel Jupyter is reached through on a remote engine; undefined on a local one. */
    readonly tunnel?: ServerTunnel,
  ) {
    this.startedAtMs = Date.parse(startedAt) || Date.now();
    this.watchExit();
  }

  /**
   * Builds a handle from `docker inspect` of a running kernel container: Jupyter is reached on the published loopback
   * port, or, on a remote engine, through `tunnel`'s local port (the handle owns the tunnel from here on).
   */
  static fromInspect(docker: Docker, container: Docker.Container, info: Docker.ContainerInspectInfo, target: KernelTarget, token: string, log: Logger, tunnel?: ServerTunnel): DockerServerHandle {
    const port = tunnel ? tunnel.localPort : publishedLoopbackPort(info);
    return new DockerServerHandle(docker, container, `http://127.0.0.1:${port}`, token, target, info.State?.StartedAt ?? '', log, tunnel);
  }

  /** Reads the token back from the config file Berth wrote into the container (re-attach after a reload). */
  static async readToken(container: Docker.Container): Promise<string> {
    const archive = await container.getArchive({ path: `${CONFIG_DIR}/${CONFIG_FILE}` }).catch(() => undefined);
    const buffer = archive ? await readAll(archive) : undefined;
    const file = buffer ? firstFileIn(buffer) : undefined;
    try {
      const config: unknown = JSON.parse(file?.toString('utf8') ?? '');
      const token = isRecord(config) && isRecord(config.ServerApp) ? config.ServerApp.token : undefined;
      if (typeof token === 'string' && token) {
        return token;
      }
    } catch {
      // Falls through to the error below.
    }
    throw new BerthError(`Cannot re-attach to kernel container ${container.id.slice(0, 12)}: its Jupyter config is missing. Stop it and start the kernel again.`);
  }

  get onDidDropConnections(): Event<{ readonly reason: string }> | undefined {
    return this.tunnel?.onDidDrop;
  }

  get resourceId(): string {
    return this.container.id;
  }

  logTail(lines: number): Promise<string> {
    return logTail(this.container, lines);
  }

  followLogs(onLine: (line: string) => void): Disposable {
    return followLogs(this.docker, this.container, onLine);
  }

  /** Stops watching without touching the container (the launcher removes it after a failed start). */
  detach(): void {
    this.detached = true;
    this.exitEmitter.dispose();
    this.tunnel?.dispose();
  }

  dispose(): Promise<void> {
    this.disposing ??= this.stopAndRemove();
    return this.disposing;
  }

  private async stopAndRemove(): Promise<void> {
    this.detach();
    const id = this.container.id.slice(0, 12);
    try {
      await this.container.stop({ t: STOP_TIMEOUT_S }).catch((error: unknown) => {
        // 304: already stopped; 404: already gone. Both are fine; the remove below settles it.
        if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 304) {
          this.log.warn(`stopping kernel container ${id} failed: ${errorMessage(error)}`);
        }
      });
      await this.container.remove({ force: true, v: true });
      this.log.info(`kernel container ${id} stopped and removed`);
    } catch (error) {
      if (!isNotFound(error)) {
        this.log.warn(`removing kernel container ${id} failed: ${errorMessage(error)}`);
        throw new BerthError(`Could not remove kernel container ${id}: ${errorMessage(error)}`, { cause: error });
      }
    }
  }

  /** One long-poll `wait` per container: it returns when the container stops, is killed or is removed. */
  private watchExit(): void {
    this.container
      .wait()
      .then((result: { StatusCode?: number }) => this.fireExit(`the container stopped with exit code ${result?.StatusCode ?? 'unknown'}`))
      .catch((error: unknown) => {
        if (!isNotFound(error) && this.tunnel && !this.detached) return this.watchAgainAfterBlip(error);
        this.fireExit(isNotFound(error) ? 'the container was removed' : `lost the Docker Engine (${errorMessage(error)})`);
      });
  }

  /**
   * A remote engine's connection can drop (SSH reset, network blip) while the kernel runs on: the wait is made again
   * once the engine answers and the container still runs; lost only when it stays out of reach for the grace period.
   */
  private async watchAgainAfterBlip(first: unknown): Promise<void> {
    const deadline = Date.now() + REMOTE_ENGINE_GRACE_MS;
    let last = first;
    this.log.info(`kernel container ${this.container.id.slice(0, 12)}: lost the engine's connection (${errorMessage(first)}); checking again`);
    while (!this.detached && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        const info = await this.container.inspect();
        if (info.State.Running) {
          this.watchExit();
        } else {
          this.fireExit(`the container stopped with exit code ${info.State.ExitCode}`);
        }
        return;
      } catch (error) {
        if (isNotFound(error)) return this.fireExit('the container was removed');
        last = error;
      }
    }
    this.fireExit(`lost the Docker Engine (${errorMessage(last)})`);
  }

  private fireExit(reason: string): void {
    if (this.detached || this.exited) {
      return;
    }
    this.exited = true;
    this.log.info(`kernel container ${this.container.id.slice(0, 12)} exited: ${reason}`);
    this.exitEmitter.fire({ reason });
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
