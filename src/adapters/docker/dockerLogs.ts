// Container logs without a TTY come multiplexed: 8-byte frames [stream, 0, 0, 0, size (u32 BE)] + payload.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { toDisposable, type Disposable } from '../../core/common/lifecycle';

/** Splits a multiplexed log buffer (what `logs({ follow: false })` returns) into stdout and stderr text. */
export function demuxLogBuffer(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? err : out).push(payload);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The last `lines` lines of a container's combined output, in order. */
export async function logTail(container: Docker.Container, lines: number): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
  return demuxMerged(raw).trimEnd();
}

/** Both streams interleaved as they were written (frame order), which is how a log reads. */
function demuxMerged(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Follows a container's log line by line (both streams) until disposed or the container ends. */
export function followLogs(docker: Docker, container: Docker.Container, onLine: (line: string) => void): Disposable {
  let stream: NodeJS.ReadableStream | undefined;
  let disposed = false;
  const sink = new PassThrough();
  let pending = '';
  sink.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach((l) => onLine(l.replace(/\r$/, '')));
  });
  container
    .logs({ stdout: true, stderr: true, follow: true })
    .then((s) => {
      stream = s as NodeJS.ReadableStream;
      if (disposed) {
        (stream as unknown as { destroy(): void }).destroy();
        return;
      }
      docker.modem.demuxStream(stream, sink, sink);
      stream.on('end', () => pending && onLine(pending));
    })
    .catch(() => undefined);
  return toDisposable(() => {
    disposed = true;
    (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    sink.destroy();
  });
}

/**
 * Collects a container's output through an attach made BEFORE it starts: for a container the engine removes on exit
 * (AutoRemove), `logs` after the exit would find nothing. `output` settles when the container's streams end (it
 * exited) or `signal` aborts.
 */
export async function attachOutput(docker: Docker, container: Docker.Container, signal?: AbortSignal): Promise<{ output: Promise<{ stdout: string; stderr: string }>; close(): void }> {
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true, abortSignal: signal })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const out = new PassThrough();
  const err = new PassThrough();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  out.on('data', (c: Buffer) => stdout.push(c));
  err.on('data', (c: Buffer) => stderr.push(c));
  docker.modem.demuxStream(stream, out, err);
  const output = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    stream.on('end', () => resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    stream.on('close', () => resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    stream.on('error', reject);
  });
  output.catch(() => undefined);
  return { output, close: () => stream.destroy() };
}
