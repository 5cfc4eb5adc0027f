import { promises as fs } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { Worker } from 'worker_threads';
import { BerthError } from '../../core/common/errors';
import { listContext, type ContextEntry, type ContextSource, type DirEntry } from '../../core/build/contextFiles';
import { contextPatterns, parseDockerignore, PatternMatcher } from '../../core/build/dockerignore';
import type { ContextTarJob, ContextTarMessage } from './contextTarWorker';

/** A context folder on the local disk, read without following symlinks. */
export function fsContextSource(root: string): ContextSource {
  return {
    async readDir(relDir) {
      const dirents = await fs.readdir(path.join(root, relDir), { withFileTypes: true });
      return dirents.map((d): DirEntry => ({
        name: d.name,
        kind: d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'file' : 'other',
      }));
    },
    readLink(relPath) {
      return fs.readlink(path.join(root, relPath));
    },
  };
}

/** The entries Docker would send for this context and Dockerfile, honouring the context's .dockerignore. */
export async function listContextEntries(contextDir: string, dockerfileInContext: string, signal?: AbortSignal): Promise<ContextEntry[]> {
  let ignoreText = '';
  try {
    ignoreText = await fs.readFile(path.join(contextDir, '.dockerignore'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new BerthError(`Cannot read ${path.join(contextDir, '.dockerignore')}: ${(error as Error).message}`);
    }
  }
  let matcher: PatternMatcher;
  try {
    matcher = new PatternMatcher(contextPatterns(parseDockerignore(ignoreText), dockerfileInContext));
  } catch (error) {
    throw new BerthError(`${path.join(contextDir, '.dockerignore')} has an invalid pattern: ${(error as Error).message}`);
  }
  try {
    return await listContext(fsContextSource(contextDir), matcher, signal);
  } catch (error) {
    if (error instanceof BerthError || signal?.aborted) {
      throw error;
    }
    throw new BerthError(`Cannot read the build context ${contextDir}: ${(error as Error).message}`);
  }
}

/** The archive crosses from the worker in pieces of this size. */
const CHUNK = 256 * 1024;
/** Chunks the worker may have sent ahead of the reader (memory stays under ~2 MiB for any context). */
const CREDIT = 4;
/** Compiled next to this file in out/, and bundled as its own entry next to the bundle in dist/. */
const WORKER = path.join(__dirname, 'contextTarWorker.js');

/**
 * The context as an uncompressed tar stream, entries in walk order, owned by root as the docker CLI sends
 * them (permissions and mtimes as lstat gives them, no umask applied), byte for byte the archive tar-fs made.
 * A worker thread writes it (contextTarWorker.ts) and stops when the reader stops pulling. An entry that
 * vanished or cannot be read fails the stream with the fs error ("ENOENT: no such file or directory, lstat
 * '…'"); destroying the stream, or aborting `signal`, stops the worker.
 */
export function packContext(contextDir: string, entries: readonly ContextEntry[], signal?: AbortSignal): Readable {
  const job: ContextTarJob = { root: contextDir, paths: entries.map((e) => e.path), chunkSize: CHUNK, credit: CREDIT, stop: new Int32Array(new SharedArrayBuffer(4)) };
  const worker = new Worker(WORKER, { workerData: job });
  let ended = false;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      worker.postMessage(1);
    },
    destroy(error, callback) {
      if (!ended) {
        Atomics.store(job.stop, 0, 1);
        // Wakes a worker that waits for credit; a busy one sees `stop` at its next entry or chunk.
        worker.postMessage(0);
      }
      signal?.removeEventListener('abort', onAbort);
      callback(error);
    },
  });
  const onAbort = () => stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  worker.on('message', (message: ContextTarMessage) => {
    if (message.kind === 'chunk') {
      stream.push(Buffer.from(message.buffer, 0, message.length));
    } else if (message.kind === 'end') {
      ended = true;
      stream.push(null);
    } else {
      ended = true;
      stream.destroy(Object.assign(new Error(message.error.message), message.error));
    }
  });
  worker.on('error', (error) => {
    ended = true;
    stream.destroy(error);
  });
  worker.on('exit', (code) => {
    if (!ended && !stream.destroyed) {
      stream.destroy(new Error(`The build context packer stopped unexpectedly (exit code ${code})`));
    }
  });
  if (signal?.aborted) {
    onAbort();
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
  }
  return stream;
}
