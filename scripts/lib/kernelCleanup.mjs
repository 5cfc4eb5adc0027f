// Removes Berth kernel containers whose owning process is gone and that are not kept alive: the same rule
// the extension applies on activation, for when `npm start` stops the host before the extension could.
import Docker from 'dockerode';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export async function removeOrphanedKernels(docker = new Docker()) {
  const containers = await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } });
  let removed = 0;
  for (const c of containers) {
    const pid = Number(c.Labels['berth.owner.pid']);
    const keep = c.Labels['berth.keepAlive'] === 'true';
    if (keep || !pid || alive(pid)) continue;
    await docker.getContainer(c.Id).remove({ force: true }).then(() => removed++, () => undefined);
  }
  return removed;
}
