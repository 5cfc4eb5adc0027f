import { readFile } from 'node:fs/promises';
import type { Logger } from '../../core/common/logger';
import type { ClusterClient, KubernetesPort } from '../../core/kubernetes/clusterClient';
import type { KubeconfigDocument, KubeContext } from '../../core/kubernetes/kubeconfig';
import { ClientNodeCluster } from './clientNodeCluster';

/** Reads kubeconfig files (never writes them) and builds a @kubernetes/client-node client per context. */
export class ClientNodeKubernetes implements KubernetesPort {
  constructor(private readonly logger: Logger) {}

  async readKubeconfig(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  connect(document: KubeconfigDocument, context: KubeContext): ClusterClient {
    return new ClientNodeCluster(document, context, this.logger);
  }
}
