// Checks an SSH server's host key against known_hosts text, the way OpenSSH does (sshd(8), "SSH_KNOWN_HOSTS FILE
// FORMAT"): comma-separated host patterns with `*`, `?` and `!` negation, `[host]:port` for a port other than 22,
// hashed names (`|1|salt|HMAC-SHA1`), and the `@revoked` marker. `@cert-authority` lines are not used (Berth does
// not take host certificates), so a host known only through one counts as unknown. Pure: the caller reads the files.
import { createHmac } from 'node:crypto';

export interface KnownHostsFile {
  readonly path: string;
  readonly text: string;
}

export type HostKeyVerdict =
  | { readonly kind: 'known'; readonly path: string; readonly line: number }
  | { readonly kind: 'unknown'; readonly keyType: string }
  /** The host is listed with keys of this type, none of them this one: a reinstalled host, or a man in the middle. */
  | { readonly kind: 'changed'; readonly keyType: string; readonly path: string; readonly line: number }
  | { readonly kind: 'revoked'; readonly path: string; readonly line: number };

/** The name a host is listed under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** The key type inside an SSH public key blob (its first string), e.g. `ssh-ed25519`. */
export function keyTypeOf(blob: Uint8Array): string {
  if (blob.length < 4) return 'unknown';
  const n = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
  return n > 0 && n <= blob.length - 4 ? Buffer.from(blob.subarray(4, 4 + n)).toString('latin1') : 'unknown';
}

function wildcard(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** Whether a line's host field names `name`: a negated pattern that matches wins over any positive one. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcard(pattern.slice(1), name)) return false;
    } else if (wildcard(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export function checkHostKey(files: readonly KnownHostsFile[], host: string, port: number, key: Uint8Array): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const keyType = keyTypeOf(key);
  const presented = Buffer.from(key).toString('base64');
  let known: HostKeyVerdict | undefined;
  let changed: HostKeyVerdict | undefined;
  for (const file of files) {
    for (const [i, raw] of file.text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
      const [hosts, type, blob] = fields;
      if (!hosts || !type || !blob || marker === '@cert-authority' || !hostFieldMatches(hosts, name)) continue;
      if (marker === '@revoked') {
        if (blob === presented) return { kind: 'revoked', path: file.path, line: i + 1 };
        continue;
      }
      if (marker) continue;
      if (blob === presented) known ??= { kind: 'known', path: file.path, line: i + 1 };
      else if (type === keyType) changed ??= { kind: 'changed', keyType, path: file.path, line: i + 1 };
    }
  }
  // As OpenSSH: a listed matching key is accepted even if another line of the same type differs.
  return known ?? changed ?? { kind: 'unknown', keyType };
}

/** What to tell the user when a verdict refuses the host (undefined when it is known). */
export function hostKeyRefusal(verdict: HostKeyVerdict, host: string, port: number, user?: string): string | undefined {
  const target = `${user ? `${user}@` : ''}${host}${port === 22 ? '' : ` -p ${port}`}`;
  switch (verdict.kind) {
    case 'known':
      return undefined;
    case 'unknown':
      return (
        `the SSH host key of ${knownHostsName(host, port)} (${verdict.keyType}) is not in known_hosts, and Berth does not accept unknown host keys. ` +
        `Check it and accept it once with \`ssh ${target}\`, then try again`
      );
    case 'changed':
      return (
        `the SSH host key of ${knownHostsName(host, port)} does not match the ${verdict.keyType} key in ${verdict.path} line ${verdict.line}: ` +
        'the host was reinstalled, or someone is intercepting the connection. Berth will not connect; once you know why, fix that line'
      );
    case 'revoked':
      return `the SSH host key of ${knownHostsName(host, port)} is marked @revoked in ${verdict.path} line ${verdict.line}. Berth will not connect`;
  }
}
