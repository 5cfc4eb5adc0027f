/**
 * Image references as Docker accepts them for `docker build -t`: `[host[:port]/]path[:tag]`, path components
 * lower-case `[a-z0-9]+` joined by `.`, `_`, `__` or dashes, the tag `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
 */

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const MAX_NAME_LENGTH = 255;

/** Why `reference` is not a valid tag for a build, or undefined when it is. */
export function validateImageReference(reference: string): string | undefined {
  const ref = reference.trim();
  if (ref === '') {
    return 'Enter an image name, e.g. my-image:latest.';
  }
  if (ref.includes('@')) {
    return 'A build tag cannot contain a digest (@sha256:…): use name:tag.';
  }
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) {
    return `"${tag}" is not a valid tag: use letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-").`;
  }
  if (name.length > MAX_NAME_LENGTH) {
    return `The image name is longer than ${MAX_NAME_LENGTH} characters.`;
  }
  const parts = name.split('/');
  const first = parts[0];
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !HOST.test(first)) {
    return `"${first}" is not a valid registry host.`;
  }
  for (const part of hasHost ? parts.slice(1) : parts) {
    if (!COMPONENT.test(part)) {
      return /[A-Z]/.test(part)
        ? `"${part}" has upper-case letters: image names must be lower-case.`
        : `"${part}" is not a valid name component: use lower-case letters and digits, separated by ".", "_", "__" or "-".`;
    }
  }
  return undefined;
}

/** `name` → `name:latest`, as Docker tags a reference without a tag. */
export function withDefaultTag(reference: string): string {
  const ref = reference.trim();
  return ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : `${ref}:latest`;
}

/** A valid `name:latest` derived from a folder name: lower-cased, other characters turned into dashes. */
export function deriveImageTag(folderName: string): string {
  const name = folderName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, (run) => (run === '__' ? run : '-'))
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 128)
    .replace(/[._-]+$/, '');
  return `${name || 'image'}:latest`;
}
