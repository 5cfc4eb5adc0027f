// JobRunner on the local Docker Engine: one container per job, its output followed line by line, removed on
// every path. AutoRemove also removes it when the job ends after its owner crashed, so nothing is orphaned.
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import type { JobRunner, JobSpec, JobStream } from '../../core/docs/docsJob';
import { bindOf } from './kernelContainerSpec';
import { isNotFound, launchError } from './dockerErrors';
import type { DockerodeEngine } from './dockerEngine';

/** How long to wait for the engine to finish removing a job container before giving up on it. */
const REMOVAL_WAIT_MS = 30_000;

export class DockerJobRunner implements JobRunner {
  constructor(
    /** Read on every call: the engine behind it can change (SwitchableDockerEngine). */
    private readonly engine: Pick<DockerodeEngine, 'docker' | 'address'>,
    private readonly log: Logger,
  ) {}

  async run(spec: JobSpec, signal: AbortSignal, onLine: (line: string, stream: JobStream) => void): Promise<{ exitCode: number }> {
    if (signal.aborted) throw new CancelledError();
    const docker = this.engine.docker;
    await this.requireImage(docker, spec.image, signal);
    let container: Docker.Container;
    try {
      // Not abortable (as for kernels): an abort mid-create could leave a container nobody knows about.
      container = await docker.createContainer({
        Image: spec.image,
        Cmd: [...spec.command],
        WorkingDir: spec.workingDir,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...spec.labels },
        ...(spec.user ? { User: spec.user } : {}),
        Tty: false,
        HostConfig: { Init: true, AutoRemove: true, Binds: spec.mounts.map(bindOf) },
      });
    } catch (error) {
      throw launchError(error, this.engine.address, `create a container from ${spec.image}`);
    }
    const id = container.id.slice(0, 12);
    this.log.info(`job container ${id} created from ${spec.image}: ${spec.command[0]} in ${spec.workingDir}`);
    const onAbort = () => void container.remove({ force: true }).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Attached before start, so not a line is missed; `output` settles when the container's output ends.
      const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
      const output = splitLines(docker, stream, onLine);
      // Asked before start: an AutoRemove container that ends quickly is gone before a later wait could ask.
      const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await container.start();
      const { StatusCode } = await exited;
      await output;
      if (signal.aborted) throw new CancelledError();
      this.log.info(`job container ${id} exited with code ${StatusCode}`);
      return { exitCode: StatusCode };
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      throw launchError(error, this.engine.address, `run the job in ${spec.image}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await container.remove({ force: true }).catch((error: unknown) => {
        if (!isNotFound(error) && !/already in progress/.test(errorMessage(error))) this.log.warn(`removing job container ${id} failed: ${errorMessage(error)}`);
      });
      // The engine may still be removing it (AutoRemove, or the abort's remove): return only once it is gone.
      await container.wait({ condition: 'removed', abortSignal: AbortSignal.timeout(REMOVAL_WAIT_MS) }).catch(() => undefined);
    }
  }

  private async requireImage(docker: Docker, image: string, signal: AbortSignal): Promise<void> {
    try {
      await docker.getImage(image).inspect();
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      if (isNotFound(error)) throw new BerthError(`Image ${image} not found locally: build or pull it`);
      throw launchError(error, this.engine.address, `inspect image ${image}`);
    }
  }
}

/** Demultiplexes stdout and stderr into lines; resolves when the stream ends. */
function splitLines(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string, stream: JobStream) => void): Promise<void> {
  // Writables that handle each chunk as it is written keep stdout and stderr lines in the order R wrote them.
  const sink = (name: JobStream) => {
    let pending = '';
    const s = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const parts = (pending + chunk.toString('utf8')).split('\n');
        pending = parts.pop() ?? '';
        parts.forEach((l) => onLine(l.replace(/\r$/, ''), name));
        callback();
      },
    });
    return { s, flush: () => pending && onLine(pending, name) };
  };
  const out = sink('stdout');
  const err = sink('stderr');
  docker.modem.demuxStream(stream, out.s, err.s);
  return new Promise((resolve) => {
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      out.flush();
      err.flush();
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
