// Shared by the kernel integration tests: unique ownership labels, cleanup of exactly what a test started,
// and waiting on conditions with deadlines.
import Docker from 'dockerode';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import { nullLogger, type Logger } from '../../../src/core/common/logger';
import type { KernelTarget, LaunchOptions } from '../../../src/core/kernels/api';

export const KERNEL_IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
export const PLAIN_IMAGE = 'berth/debian-base:bookworm';
export const docker = new Docker();
export const target: KernelTarget = { kind: 'docker', image: KERNEL_IMAGE, kernelspec: 'python3' };

/** Owner id for one test file: every container it starts carries it, and cleanup removes by it. */
export function testOwner(name: string): string {
  return `berth-it-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function launchOptions(owner: string, over: Partial<LaunchOptions> = {}): LaunchOptions {
  return {
    notebookKey: `test:${owner}`,
    env: {},
    extraMounts: [],
    owner: { kind: 'test', id: owner, pid: process.pid },
    keepAlive: false,
    ...over,
  };
}

export function kernelStack(log: Logger = nullLogger) {
  const engine = new DockerodeEngine(undefined);
  const launcher = new DockerServerLauncher(engine, log);
  return { engine, launcher, connector: new JupyterKernelConnector(log) };
}

export async function containersOf(owner: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`berth.owner=${owner}`] } });
}

export async function removeContainersOf(owner: string): Promise<void> {
  for (const c of await containersOf(owner)) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, why: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(why());
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function withDeadline<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)));
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
