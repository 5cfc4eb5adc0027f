import type { BuildActivity } from './core/build/buildActivity';
import type { ImagesModel } from './core/images/imagesModel';
import type { ClusterModel } from './core/kubernetes/clusterModel';
import type { KernelsApi } from './features/kernels/register';

/** What activate() returns: read access to Berth's models, for the e2e tests and other extensions. */
export interface BerthApi {
  readonly images: Pick<ImagesModel, 'state' | 'onDidChange' | 'refresh'>;
  /** Builds in progress (the Images view lists them above the images). */
  readonly builds: Pick<BuildActivity, 'builds' | 'onDidChange'>;
  readonly kernels: KernelsApi;
  /** The Cluster view's model: contexts, namespaces and watched pods, and the context and namespace Berth uses. */
  readonly cluster: Pick<ClusterModel, 'configState' | 'contexts' | 'context' | 'pods' | 'pod' | 'onDidChange' | 'activeContext' | 'namespaceOf' | 'client'>;
}
