// Loads one kubeconfig context for a kernel target with core's kubectl-compatible merge (KUBECONFIG, the
// file named by the target, ~/.kube/config). Never writes the kubeconfig, never switches its current context.
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigSource, mergeKubeconfigs, singleContextDocument, type KubeconfigUser, type KubeContext } from '../../core/kubernetes/kubeconfig';

export interface LoadedContext {
  readonly kc: KubeConfig;
  readonly context: KubeContext;
  readonly user?: KubeconfigUser;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function loadKubeContext(kubeconfig: string | undefined, contextName: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<LoadedContext> {
  const source = kubeconfigSource(kubeconfig, env, os.homedir());
  const files = await Promise.all(source.paths.map(async (path) => ({ path, text: await readText(path) })));
  const merged = mergeKubeconfigs(source, files);
  const document = singleContextDocument(merged, contextName);
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(document));
  const context = merged.contexts.find((c) => c.name === contextName)!;
  return { kc, context, user: document.users[0]?.user };
}
