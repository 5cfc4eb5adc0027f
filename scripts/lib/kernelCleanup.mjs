// Removes Berth kernel containers whose owner is gone and that are not kept alive, for when `npm start` stops
// the VS Code host before the extension could. The rule is the extension's own (core/notebook/kernelOwnership),
// loaded from the build output, and the containers are found by the launcher the extension uses.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = resolve(new URL('../../out/src', import.meta.url).pathname);

export async function removeOrphanedKernels() {
  const { dispositionOf, pidAliveFrom } = require(`${OUT}/core/notebook/kernelOwnership.js`);
  const { DockerodeEngine } = require(`${OUT}/adapters/docker/dockerEngine.js`);
  const { DockerServerLauncher } = require(`${OUT}/adapters/docker/dockerServerLauncher.js`);
  const { nullLogger } = require(`${OUT}/core/common/logger.js`);
  const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  // No window of this script's owns anything: only the owners' liveness and keepAlive decide.
  const nobody = { ownerId: '', isPidAlive: pidAliveFrom((pid, signal) => process.kill(pid, signal)), isNotebookOpen: () => false };
  let removed = 0;
  for (const server of await launcher.listRunning()) {
    if (dispositionOf(server, nobody) === 'orphan') {
      await server.remove().then(() => removed++, () => undefined);
    }
  }
  return removed;
}
