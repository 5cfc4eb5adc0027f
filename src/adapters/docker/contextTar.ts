import { promises as fs } from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import * as tar from 'tar-fs';
import { BerthError } from '../../core/common/errors';
import { listContext, type ContextEntry, type ContextSource, type DirEntry } from '../../core/build/contextFiles';
import { contextPatterns, parseDockerignore, PatternMatcher } from '../../core/build/dockerignore';

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

/**
 * The context as an uncompressed tar stream, entries in walk order, owned by root as the docker CLI sends
 * them (permissions kept as they are on disk, no umask applied).
 */
export function packContext(contextDir: string, entries: readonly ContextEntry[]): Readable {
  const options: tar.PackOptions & { umask: number } = {
    entries: entries.map((e) => e.path),
    // Directories are listed one by one in `entries`: never let tar-fs add their other children.
    ignore: () => true,
    umask: 0,
    map: (header) => ({ ...header, uid: 0, gid: 0 }),
  };
  return tar.pack(contextDir, options) as unknown as Readable;
}
