import Docker from 'dockerode';
import type { DockerEngine, EngineEvent, ImageInfo } from '../../core/docker/engine';
import { EngineUnreachableError, errorMessage } from '../../core/common/errors';
import { toDisposable, type Disposable } from '../../core/common/lifecycle';
import { resolveDockerHost, type DockerHostKind } from './dockerHost';
import type { SshHostKeyCheck } from './sshHostKeys';

/**
 * How long a ping may take before the engine counts as not answering (connections can hang, not fail). Over ssh://
 * every request makes a new SSH connection and runs `docker system dial-stdio` on the remote, which on a loaded
 * machine takes seconds, so it gets the SSH handshake's own limit.
 */
const PING_TIMEOUT_MS: Record<DockerHostKind, number> = { socket: 5000, tcp: 10_000, ssh: 15_000 };

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export function toEngineEvent(raw: RawEvent): EngineEvent {
  return {
    type: raw.Type ?? 'unknown',
    action: raw.Action ?? raw.status ?? 'unknown',
    id: raw.Actor?.ID ?? raw.id ?? '',
    attributes: raw.Actor?.Attributes ?? {},
    timeMs: raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000,
  };
}

export function toImageInfo(raw: Docker.ImageInfo): ImageInfo {
  return {
    id: raw.Id,
    tags: (raw.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    digests: (raw.RepoDigests ?? []).filter((d) => !d.startsWith('<none>@')),
    sizeBytes: raw.Size,
    createdMs: raw.Created * 1000,
    labels: raw.Labels ?? {},
  };
}

/** The Docker Engine through dockerode. One instance per configured host. */
export class DockerodeEngine implements DockerEngine {
  readonly address: string;
  /** How the engine is reached: kernels on a remote one are reached through a tunnel. */
  readonly kind: DockerHostKind;
  readonly docker: Docker;
  private readonly hostKeys: SshHostKeyCheck | undefined;

  constructor(hostSetting: string | undefined, env: NodeJS.ProcessEnv = process.env) {
    const host = resolveDockerHost(hostSetting, env);
    this.address = host.address;
    this.kind = host.kind;
    this.docker = new Docker(host.options);
    this.hostKeys = host.hostKeys;
  }

  private describe(error: unknown): string {
    return this.hostKeys?.explain(error) ?? describe(error);
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const limitMs = PING_TIMEOUT_MS[this.kind];
    const timeout = AbortSignal.timeout(limitMs);
    const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      // dockerode honours abortSignal on ping; its typings only list the callback form.
      await (this.docker.ping as (opts: { abortSignal: AbortSignal }) => Promise<unknown>)({ abortSignal });
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw new EngineUnreachableError(this.address, timeout.aborted ? `no answer within ${limitMs / 1000} s` : this.describe(error));
    }
  }

  async listImages(signal?: AbortSignal): Promise<ImageInfo[]> {
    try {
      const images = await this.docker.listImages({ all: false, abortSignal: signal });
      return images.map(toImageInfo);
    } catch (error) {
      throw signal?.aborted ? error : new EngineUnreachableError(this.address, this.describe(error));
    }
  }

  watchEvents(onEvent: (event: EngineEvent) => void, onEnd: (error: Error) => void): Disposable {
    let stream: NodeJS.ReadableStream | undefined;
    let ended = false;
    const end = (error: Error) => {
      if (!ended) {
        ended = true;
        onEnd(error);
      }
    };
    this.docker.getEvents({ filters: { type: ['image', 'container'] } }, (error, s) => {
      if (ended) {
        (s as unknown as { destroy?: () => void } | undefined)?.destroy?.();
        return;
      }
      if (error || !s) {
        end(new Error(this.describe(error)));
        return;
      }
      stream = s;
      let buffer = '';
      s.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) {
            try {
              onEvent(toEngineEvent(JSON.parse(line) as RawEvent));
            } catch {
              // A malformed line is skipped; the next event still arrives.
            }
          }
        }
      });
      s.on('error', (e: Error) => end(e));
      s.on('end', () => end(new Error('the engine closed the event stream')));
      s.on('close', () => end(new Error('the engine closed the event stream')));
    });
    return toDisposable(() => {
      ended = true;
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    });
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const message = errorMessage(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
