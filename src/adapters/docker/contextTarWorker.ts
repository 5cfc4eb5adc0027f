// The build context's tar, written in a worker thread that packContext (contextTar.ts) starts. It reads with
// synchronous fs calls: for a context of many small files an async lstat/open/read/close costs a thread-pool
// round trip each, several times the call itself (10,000 files: ~600 ms async at any concurrency, ~200 ms sync,
// on a 2-core machine), and in a worker the synchronous calls never block the extension host's event loop.
import * as fs from 'fs';
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { encodeTarHeader, TAR_BLOCK, TAR_END, tarPadding, writeUstarHeader, type TarEntryHeader } from '../../core/build/tarHeader';

export interface ContextTarJob {
  readonly root: string;
  /** Context-relative paths in walk order. */
  readonly paths: readonly string[];
  readonly chunkSize: number;
  /** Chunks the worker may send before it waits for the reader; each number the parent posts adds that many. */
  readonly credit: number;
  /** Set to 1 by the parent when the stream is destroyed: the worker closes its file and ends. */
  readonly stop: Int32Array;
}

/** What the worker posts, in order: chunks, then `end` or `error`. */
export type ContextTarMessage =
  | { readonly kind: 'chunk'; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: FsErrorFields };

/** An fs error's fields, which a structured clone of the Error would drop. */
export interface FsErrorFields {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

class Stopped extends Error {}

/** The chunks the parent is ready for; waits (letting the port deliver messages) when there are none. */
class Credit {
  private available: number;
  private wake: (() => void) | undefined;

  constructor(
    initial: number,
    private readonly stop: Int32Array,
  ) {
    this.available = initial;
  }

  readonly add = (more: number): void => {
    this.available += more;
    this.wake?.();
  };

  get stopped(): boolean {
    return Atomics.load(this.stop, 0) === 1;
  }

  async take(): Promise<void> {
    while (this.available === 0 && !this.stopped) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.stopped) {
      throw new Stopped();
    }
    this.available--;
  }
}

async function writeTar(job: ContextTarJob, credit: Credit): Promise<void> {
  // Zero-filled, so headers go into zeros and padding is just skipped (filling 512 bytes per entry cost more).
  const newChunk = () => Buffer.alloc(job.chunkSize);
  let chunk = newChunk();
  let used = 0;
  const flush = async () => {
    await credit.take();
    const message: ContextTarMessage = { kind: 'chunk', buffer: chunk.buffer as ArrayBuffer, length: used };
    parentPort!.postMessage(message, [chunk.buffer as ArrayBuffer]);
    chunk = newChunk();
    used = 0;
  };
  const put = async (bytes: Buffer) => {
    for (let done = 0; done < bytes.length; ) {
      if (used === chunk.length) {
        await flush();
      }
      const n = bytes.copy(chunk, used, done);
      used += n;
      done += n;
    }
  };
  const skipZeros = async (n: number) => {
    if (chunk.length - used < n) {
      await flush();
    }
    used += n;
  };
  // The file's first `size` bytes (its size at lstat, as in its header), read straight into the chunks.
  const putFile = async (abs: string, size: number) => {
    const fd = fs.openSync(abs, 'r');
    try {
      for (let position = 0; position < size; ) {
        if (used === chunk.length) {
          await flush();
        }
        const n = fs.readSync(fd, chunk, used, Math.min(chunk.length - used, size - position), position);
        if (n === 0) {
          throw new Error('Size mismatch');
        }
        used += n;
        position += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  };

  for (const rel of job.paths) {
    if (credit.stopped) {
      throw new Stopped();
    }
    const abs = path.join(job.root, rel);
    const st = fs.lstatSync(abs);
    if (st.isSocket()) {
      continue;
    }
    const base = { name: rel, mode: st.mode, mtime: (st.mtime.getTime() / 1000) | 0 };
    let header: TarEntryHeader;
    if (st.isDirectory()) {
      header = { ...base, size: 0, type: 'directory' };
    } else if (st.isSymbolicLink()) {
      header = { ...base, size: 0, type: 'symlink', linkname: fs.readlinkSync(abs) };
    } else if (st.isFile()) {
      header = { ...base, size: st.size, type: 'file' };
    } else {
      throw new Error(`unsupported type for ${rel}`);
    }
    if (chunk.length - used < TAR_BLOCK) {
      await flush();
    }
    const block = chunk.subarray(used, used + TAR_BLOCK);
    if (writeUstarHeader(block, header)) {
      used += TAR_BLOCK;
    } else {
      await put(encodeTarHeader(header));
    }
    if (header.type === 'file') {
      await putFile(abs, header.size);
      await skipZeros(tarPadding(header.size));
    }
  }
  await skipZeros(TAR_END.length);
  await flush();
}

if (parentPort) {
  const port = parentPort;
  const job = workerData as ContextTarJob;
  const credit = new Credit(job.credit, job.stop);
  port.on('message', credit.add);
  writeTar(job, credit)
    .then(
      () => port.postMessage({ kind: 'end' } satisfies ContextTarMessage),
      (error: unknown) => {
        if (!(error instanceof Stopped)) {
          const e = error as NodeJS.ErrnoException;
          const fields: FsErrorFields = { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path };
          port.postMessage({ kind: 'error', error: fields } satisfies ContextTarMessage);
        }
      },
    )
    // Without a listener the port no longer keeps the thread alive: the worker ends once its messages are out.
    .finally(() => port.off('message', credit.add));
}
