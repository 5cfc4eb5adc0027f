import type { ImagesModel } from './core/images/imagesModel';
import type { KernelsApi } from './features/kernels/register';

/** What activate() returns: read access to Berth's models, for the e2e tests and other extensions. */
export interface BerthApi {
  readonly images: Pick<ImagesModel, 'state' | 'onDidChange' | 'refresh'>;
  readonly kernels: KernelsApi;
}
