// What a registry says a tag is now: its manifest digest and, for a single-platform image, the config digest (the
// image id Docker would give it). Anonymous (a bearer token from the registry's own challenge when it asks for one);
// any failure is "unknown", never an error: the caller then asks the cluster instead.
import { createHash } from 'node:crypto';
import { configDigestOf, manifestUrl, type RegistryManifest } from '../../core/kubernetes/podKernelspecs';
import { fetchWithTimeout } from './fetchWithTimeout';

const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** `Bearer realm="…",service="…",scope="…"` → the token URL, or undefined for any other challenge. */
function tokenUrl(challenge: string | null): string | undefined {
  if (!challenge || !/^Bearer\s/i.test(challenge)) return undefined;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  return url.toString();
}

export async function fetchRegistryManifest(reference: string, signal: AbortSignal, timeoutMs = 3000): Promise<RegistryManifest | undefined> {
  const url = manifestUrl(reference);
  try {
    let response = await fetchWithTimeout(url, { headers: { Accept: ACCEPT }, signal }, timeoutMs);
    if (response.status === 401) {
      const tokenAt = tokenUrl(response.headers.get('www-authenticate'));
      if (!tokenAt) return undefined;
      const answer = (await (await fetchWithTimeout(tokenAt, { signal }, timeoutMs)).json()) as { token?: string; access_token?: string };
      const token = answer.token ?? answer.access_token;
      if (!token) return undefined;
      response = await fetchWithTimeout(url, { headers: { Accept: ACCEPT, Authorization: `Bearer ${token}` }, signal }, timeoutMs);
    }
    if (response.status !== 200) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
    let configDigest: string | undefined;
    try {
      configDigest = configDigestOf(JSON.parse(body.toString('utf8')));
    } catch {
      configDigest = undefined;
    }
    return { digest, ...(configDigest ? { configDigest } : {}) };
  } catch {
    return undefined;
  }
}
