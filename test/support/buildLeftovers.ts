// What a cancelled build left on the Docker Engine, for the Cancel tests of every tier: the step's container,
// the tag, and any image (tagged, dangling or intermediate) committed from a step whose command names `marker`.
// The classic builder records each step's command in the image's ContainerConfig.Cmd, which is what ties an image
// to the step that made it (the integration tier's cleanup relies on the same record).
import type Docker from 'dockerode';

export interface BuildLeftovers {
  readonly containers: string[];
  readonly images: string[];
  readonly tagged: boolean;
}

/** Images created since `sinceMs` (epoch ms) are inspected; older ones cannot come from the cancelled build. */
export async function buildLeftovers(docker: Docker, marker: string, tag: string, sinceMs: number): Promise<BuildLeftovers> {
  const containers = (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(marker)).map((c) => `${c.Id.slice(0, 12)} ${c.State} ${c.Command}`);
  const images: string[] = [];
  for (const image of await docker.listImages({ all: true })) {
    if (image.Created * 1000 < sinceMs - 2000) continue;
    const info = await docker.getImage(image.Id).inspect().catch(() => undefined);
    const cmd = info?.ContainerConfig?.Cmd?.join(' ') ?? '';
    if (cmd.includes(marker)) images.push(`${image.Id.slice(7, 19)} ${JSON.stringify(image.RepoTags ?? [])} from: ${cmd}`);
  }
  const tagged = await docker.getImage(tag).inspect().then(() => true, () => false);
  return { containers, images, tagged };
}

/** Polls until the engine has removed the build's container (it does so once it sees the request gone), bounded. */
export async function waitForNoBuildLeftovers(docker: Docker, marker: string, tag: string, sinceMs: number, ms = 30000): Promise<BuildLeftovers> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await buildLeftovers(docker, marker, tag, sinceMs);
    if ((left.containers.length === 0 && left.images.length === 0 && !left.tagged) || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}
