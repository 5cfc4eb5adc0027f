import * as path from 'path';
import { BerthError } from '../common/errors';

/** `berth.build.args` / `.target` / `.context`, or one entry of `berth.build.overrides`. */
export interface BuildSettings {
  readonly args?: Readonly<Record<string, string>>;
  readonly target?: string;
  /** Folder of the build context, relative to the workspace folder; empty: the Dockerfile's folder. */
  readonly context?: string;
}

export interface BuildOptionsInput {
  /** Absolute path of the workspace folder the Dockerfile belongs to (or its own folder outside any workspace). */
  readonly workspaceFolder: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  readonly settings: BuildSettings;
  /** Keyed by the Dockerfile's path relative to the workspace folder, `/`-separated. */
  readonly overrides: Readonly<Record<string, BuildSettings>>;
}

export interface BuildOptions {
  /** Absolute path of the context folder. */
  readonly contextDir: string;
  /** The Dockerfile relative to the context, `/`-separated (the engine's `dockerfile` parameter). */
  readonly dockerfileInContext: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly target?: string;
}

/** Merges the settings with the Dockerfile's override (override wins per field, args merged) and resolves paths. */
export function resolveBuildOptions({ workspaceFolder, dockerfile, settings, overrides }: BuildOptionsInput): BuildOptions {
  const key = toSlash(path.relative(workspaceFolder, dockerfile));
  const override = overrides[key] ?? overrides[`./${key}`] ?? {};
  const contextSetting = (override.context ?? settings.context ?? '').trim();
  const contextDir = contextSetting === '' ? path.dirname(dockerfile) : path.resolve(workspaceFolder, contextSetting);
  const relative = path.relative(contextDir, dockerfile);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new BerthError(`The Dockerfile ${key} is outside its build context ${contextDir}: set berth.build.context (or its override for this Dockerfile) to a folder that contains it.`);
  }
  const target = (override.target ?? settings.target ?? '').trim();
  const buildArgs = { ...stringValues(settings.args), ...stringValues(override.args) };
  return { contextDir, dockerfileInContext: toSlash(relative), buildArgs, ...(target ? { target } : {}) };
}

function stringValues(record: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record ?? {})) {
    if (v !== undefined && v !== null) {
      out[k] = String(v);
    }
  }
  return out;
}

function toSlash(p: string): string {
  return p.split(path.sep).join('/');
}
