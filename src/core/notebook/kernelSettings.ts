// Validation of the `berth.kernel.env` and `berth.kernel.mounts` settings: they arrive as untyped JSON from the
// user's settings.json, and a mistake must become a message naming the setting, not a container that fails later.
import { BerthError } from '../common/errors';
import type { HostMount } from '../kernels/api';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseKernelEnv(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BerthError('The setting berth.kernel.env must be an object of variable names to string values, e.g. { "MPLBACKEND": "Agg" }.');
  }
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      throw new BerthError(`berth.kernel.env: "${name}" is not a valid environment variable name (letters, digits and _, not starting with a digit).`);
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new BerthError(`berth.kernel.env: the value of ${name} must be a string.`);
    }
    env[name] = String(v);
  }
  return env;
}

/**
 * Parses `berth.kernel.mounts`: objects `{ hostPath, containerPath, readOnly? }`. `${workspaceFolder}` at the start of
 * hostPath stands for the notebook's workspace folder; a relative hostPath is resolved against it.
 */
export function parseKernelMounts(value: unknown, workspaceFolder: string | undefined): HostMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new BerthError('The setting berth.kernel.mounts must be a list of { "hostPath": "...", "containerPath": "..." } objects.');
  }
  return value.map((entry, i) => {
    const where = `berth.kernel.mounts[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new BerthError(`${where} must be an object with hostPath and containerPath.`);
    }
    const { hostPath, containerPath, readOnly } = entry as Record<string, unknown>;
    if (typeof hostPath !== 'string' || hostPath.trim() === '') throw new BerthError(`${where}.hostPath must be a path on this machine.`);
    if (typeof containerPath !== 'string' || !containerPath.startsWith('/')) {
      throw new BerthError(`${where}.containerPath must be an absolute path inside the container, e.g. /data.`);
    }
    if (readOnly !== undefined && typeof readOnly !== 'boolean') throw new BerthError(`${where}.readOnly must be true or false.`);
    return { hostPath: resolveHostPath(hostPath.trim(), workspaceFolder, where), containerPath, ...(readOnly ? { readOnly } : {}) };
  });
}

function resolveHostPath(hostPath: string, workspaceFolder: string | undefined, where: string): string {
  const usesFolder = hostPath.startsWith('${workspaceFolder}') || !hostPath.startsWith('/');
  if (!usesFolder) return hostPath;
  if (!workspaceFolder) {
    throw new BerthError(`${where}.hostPath "${hostPath}" is relative to the workspace folder, but this notebook is not in one: use an absolute path.`);
  }
  const rest = hostPath.replace(/^\$\{workspaceFolder\}/, '').replace(/^\/+/, '');
  return rest ? `${workspaceFolder.replace(/\/+$/, '')}/${rest}` : workspaceFolder;
}
