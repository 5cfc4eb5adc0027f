import type Docker from 'dockerode';
import type { Readable } from 'stream';
import { BerthError, EngineUnreachableError, errorMessage } from '../../core/common/errors';
import { BuildStreamParser, type BuildStreamEvent } from '../../core/build/buildStream';
import type { BuildRequest, ImageBuilder } from '../../core/build/imageBuilder';
import { listContextEntries, packContext } from './contextTar';
import { DockerodeEngine } from './dockerEngine';

/**
 * Builds with the engine's own (legacy) builder through dockerode: the context is tarred here with Docker's
 * .dockerignore rules and streamed to `POST /build`; aborting the signal aborts that request, which makes the
 * engine stop the build and remove its intermediate container.
 */
export class DockerImageBuilder implements ImageBuilder {
  constructor(
    private readonly docker: Docker,
    private readonly address: string,
  ) {}

  /** A builder on the engine that `berth.docker.host` (or DOCKER_HOST, or the default socket) names. */
  static forHost(hostSetting: string | undefined): DockerImageBuilder {
    const engine = new DockerodeEngine(hostSetting);
    return new DockerImageBuilder(engine.docker, engine.address);
  }

  async build(request: BuildRequest, onEvent: (event: BuildStreamEvent) => void, signal?: AbortSignal): Promise<void> {
    const entries = await listContextEntries(request.contextDir, request.dockerfile, signal);
    signal?.throwIfAborted();
    const context = packContext(request.contextDir, entries, signal);
    // A file that vanishes or cannot be read after the walk fails the upload; say so, not "no engine".
    let contextError: Error | undefined;
    context.once('error', (error: Error) => (contextError = error));
    const parser = new BuildStreamParser();
    let response: NodeJS.ReadableStream;
    try {
      response = await this.docker.buildImage(context, {
        t: request.tag,
        dockerfile: request.dockerfile,
        buildargs: { ...request.buildArgs },
        labels: { ...request.labels },
        ...(request.target ? { target: request.target } : {}),
        rm: true,
        forcerm: true,
        abortSignal: signal,
      } as Docker.ImageBuildOptions);
    } catch (error) {
      context.destroy();
      if (signal?.aborted) {
        throw signal.reason instanceof Error ? signal.reason : error;
      }
      if (contextError) {
        throw new BerthError(`Cannot send the build context ${request.contextDir}: ${contextError.message}`, { cause: contextError });
      }
      const refused = engineRefusal(error);
      if (refused !== undefined) {
        onEvent({ kind: 'error', message: refused });
        return;
      }
      throw new EngineUnreachableError(this.address, errorMessage(error));
    }
    await new Promise<void>((resolve, reject) => {
      const stream = response as Readable;
      const onAbort = () => {
        stream.destroy();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => parser.push(chunk).forEach(onEvent));
      stream.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : error);
      });
      stream.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        parser.end().forEach(onEvent);
        resolve();
      });
    });
  }
}

/** The engine's message when it answered the request with an error status (e.g. a Dockerfile it cannot parse). */
function engineRefusal(error: unknown): string | undefined {
  const e = error as { statusCode?: number; json?: { message?: string } | null; message?: string };
  if (typeof e?.statusCode !== 'number') {
    return undefined;
  }
  if (typeof e.json?.message === 'string') {
    return e.json.message;
  }
  return /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(e.message ?? '')?.[1]?.trim() ?? e.message;
}
