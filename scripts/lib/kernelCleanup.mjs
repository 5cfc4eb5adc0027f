// Removes Berth kernel containers whose owner is gone and that are not kept alive (and leftover probe containers),
// for when `npm start` stops the VS Code host before the extension could. The rule is the one `berth run` applies
// when it starts (core/kernels/leftovers): this host's lapsed containers and finished ones, never another host's
// running ones. Loaded from the build output, with the launcher the extension uses.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = resolve(new URL('../../out/src', import.meta.url).pathname);

export async function removeOrphanedKernels() {
  const { removeLapsedLeftovers } = require(`${OUT}/core/kernels/leftovers.js`);
  const { localHost } = require(`${OUT}/adapters/host/localHost.js`);
  const { DockerodeEngine } = require(`${OUT}/adapters/docker/dockerEngine.js`);
  const { DockerServerLauncher } = require(`${OUT}/adapters/docker/dockerServerLauncher.js`);
  const { nullLogger } = require(`${OUT}/core/common/logger.js`);
  const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  const { kernels } = await removeLapsedLeftovers(launcher, localHost(), nullLogger);
  return kernels;
}
