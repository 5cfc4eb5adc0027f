import { isMarkdownPath } from './docPaths';

/** Where a link clicked in the preview leads, resolved against the previewed document's path. */
export type DocLinkTarget =
  | { readonly kind: 'anchor'; readonly fragment: string }
  | { readonly kind: 'external'; readonly url: string }
  | { readonly kind: 'doc'; readonly path: string; readonly fragment?: string }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number }
  | { readonly kind: 'unsupported'; readonly reason: string };

const EXTERNAL = /^(https?:\/\/|mailto:)/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves an href from the preview. `fromPath` is the document's absolute path (URI path, `/`-separated).
 * Only http(s)/mailto leave VS Code; other schemes (javascript:, command:, file:, vscode:) are refused.
 */
export function resolveDocLink(href: string, fromPath: string): DocLinkTarget {
  const trimmed = href.trim();
  if (trimmed === '') return { kind: 'unsupported', reason: 'empty link' };
  if (trimmed.startsWith('#')) return { kind: 'anchor', fragment: safeDecode(trimmed.slice(1)) };
  if (EXTERNAL.test(trimmed)) return { kind: 'external', url: trimmed };
  if (HAS_SCHEME.test(trimmed) || trimmed.startsWith('//')) {
    return { kind: 'unsupported', reason: `links with the scheme ${trimmed.split(':')[0]}: do not open from the preview` };
  }
  const hash = trimmed.indexOf('#');
  const rawPath = (hash < 0 ? trimmed : trimmed.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash < 0 ? undefined : safeDecode(trimmed.slice(hash + 1));
  const decoded = safeDecode(rawPath);
  const base = decoded.startsWith('/') ? '/' : fromPath.slice(0, fromPath.lastIndexOf('/') + 1);
  const path = normalizePath(base + decoded);
  if (isMarkdownPath(path)) return { kind: 'doc', path, fragment: fragment || undefined };
  const line = fragment ? /^L(\d+)/i.exec(fragment)?.[1] : undefined;
  return { kind: 'file', path, line: line === undefined ? undefined : Number(line) };
}

/** Collapses `.` and `..` segments; `..` never climbs above `/`. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}

/** Whether `path` lies inside the folder `root` (both absolute, normalised). */
export function isInside(path: string, root: string): boolean {
  const r = root.endsWith('/') ? root : `${root}/`;
  return path === root || path.startsWith(r);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The absolute path of an image the document refers to, or undefined when it lies outside `rootPath` (the
 * preview may load nothing else). Relative paths resolve against the document's folder, `/x` against the root.
 */
export function resolveImagePath(src: string, docPath: string, rootPath: string): string | undefined {
  const withoutQuery = src.replace(/[?#].*$/, '');
  if (withoutQuery === '') return undefined;
  const decoded = safeDecode(withoutQuery);
  const base = decoded.startsWith('/') ? `${rootPath}/` : docPath.slice(0, docPath.lastIndexOf('/') + 1);
  const path = normalizePath(base + decoded);
  return isInside(path, normalizePath(rootPath)) ? path : undefined;
}
