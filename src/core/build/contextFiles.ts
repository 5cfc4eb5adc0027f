import * as path from 'path';
import { BerthError } from '../common/errors';
import { PatternMatcher, type MatchInfo } from './dockerignore';

export type ContextEntryKind = 'file' | 'directory' | 'symlink' | 'other';

/** One name inside a context folder, as the walk sees it (not following symlinks). */
export interface DirEntry {
  readonly name: string;
  readonly kind: ContextEntryKind;
}

/** Reads the folder at `relDir` ('.' is the context root); `readLink` answers a symlink's target. */
export interface ContextSource {
  readDir(relDir: string): Promise<DirEntry[]>;
  readLink(relPath: string): Promise<string>;
}

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  readonly path: string;
  readonly kind: Exclude<ContextEntryKind, 'other'>;
}

/** A symlink in the context points outside it: the image would depend on files that are not sent. */
export class SymlinkEscapesContextError extends BerthError {
  constructor(
    readonly link: string,
    readonly target: string,
  ) {
    super(`The symlink ${link} points outside the build context (to ${target}): replace it with the file it points to, or exclude it in .dockerignore.`);
  }
}

/** Whether a symlink at `linkPath` (context-relative) with target `target` resolves outside the context. */
export function symlinkEscapes(linkPath: string, target: string): boolean {
  if (path.posix.isAbsolute(target)) {
    return true;
  }
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}

/**
 * The entries Docker sends for a context, in the order it sends them: a depth-first walk in byte order of
 * names, applying the matcher with parent results as the CLI does (ignored folders are skipped unless a `!`
 * pattern names something inside them). Throws SymlinkEscapesContextError for an included escaping symlink.
 */
export async function listContext(source: ContextSource, matcher: PatternMatcher, signal?: AbortSignal): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  const walk = async (relDir: string, parent: MatchInfo | undefined): Promise<void> => {
    signal?.throwIfAborted();
    const children = sortByNameBytes(await source.readDir(relDir));
    for (const child of children) {
      const rel = relDir === '.' ? child.name : `${relDir}/${child.name}`;
      const { matched, info } = matcher.matchesUsingParentResults(rel, parent);
      const isDir = child.kind === 'directory';
      if (matched) {
        if (isDir && matcher.mayReincludeInside(rel)) {
          await walk(rel, info);
        }
        continue;
      }
      if (child.kind === 'other') {
        continue;
      }
      if (child.kind === 'symlink') {
        const target = await source.readLink(rel);
        if (symlinkEscapes(rel, target)) {
          throw new SymlinkEscapesContextError(rel, target);
        }
      }
      entries.push({ path: rel, kind: child.kind });
      if (isDir) {
        await walk(rel, info);
      }
    }
  };
  await walk('.', undefined);
  return entries;
}

/** In byte order of the UTF-8 names (Go's string order), each name encoded once rather than per comparison. */
function sortByNameBytes(children: DirEntry[]): DirEntry[] {
  return children
    .map((child) => ({ child, bytes: Buffer.from(child.name) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ child }) => child);
}
