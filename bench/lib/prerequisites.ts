// What a benchmark needs and may not find on this machine: each check returns why not, or undefined when present.
// A benchmark that lacks one reports "not run: why" rows instead of numbers.
import { existsSync } from 'node:fs';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  const late = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([p, late]);
}

/** The local cluster (its kubeconfig and API server) and its registry. */
export async function clusterMissing(kubeconfig: string, registry: string): Promise<string | undefined> {
  if (!existsSync(kubeconfig)) return `no cluster kubeconfig at ${kubeconfig} (npm run cluster -- up)`;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    await within(5000, 'the API server', kc.makeApiClient(VersionApi).getCode());
  } catch (error) {
    return `the cluster of ${kubeconfig} does not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    const r = await within(5000, `the registry ${registry}`, fetch(`http://${registry}/v2/`));
    if (!r.ok) return `the registry ${registry} answers ${r.status}`;
  } catch (error) {
    return `no registry at ${registry}: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/** The VS Code server and Chromium that the host benchmarks drive (scripts/provision). */
export function vscodeHostMissing(serverMain: string, chromium: string): string | undefined {
  if (!existsSync(serverMain)) return `no VS Code server at ${serverMain} (scripts/provision/vscode-host.sh)`;
  if (!existsSync(chromium)) return `no Chromium at ${chromium}`;
  return undefined;
}
