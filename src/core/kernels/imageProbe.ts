// How Berth finds out whether an image can serve Jupyter: one throw-away container runs PROBE_SCRIPT, and
// parseProbeOutput turns what it printed into an ImageProbe. Pure, so every image shape is unit-tested.
import type { ImageProbe, KernelSpecInfo } from './api';
import { isRecord } from './outputMapping';

/**
 * Server commands in order of preference. `jupyter server`, `jupyter lab` and `jupyter notebook` are the
 * `jupyter-server`, `jupyter-lab` and `jupyter-notebook` executables behind the `jupyter` launcher, so
 * looking for those executables finds all four forms without starting Python once per candidate (Debian
 * ships `jupyter-server` without `jupyter`).
 */
export const SERVER_CANDIDATES: readonly (readonly string[])[] = [['jupyter-server'], ['jupyter-lab'], ['jupyter-notebook']];

const KERNELSPECS_PY = `
import glob, json, os, sys
try:
    from jupyter_core.paths import jupyter_path
    dirs = jupyter_path('kernels')
except Exception:
    dirs = [os.path.join(sys.prefix, 'share', 'jupyter', 'kernels'), '/usr/local/share/jupyter/kernels', '/usr/share/jupyter/kernels']
specs = {}
for d in dirs:
    for f in sorted(glob.glob(os.path.join(d, '*', 'kernel.json'))):
        name = os.path.basename(os.path.dirname(f)).lower()
        if name in specs:
            continue
        try:
            with open(f) as fh:
                s = json.load(fh)
            specs[name] = {'display_name': s.get('display_name', name), 'language': s.get('language', '')}
        except Exception:
            pass
if 'python3' not in specs:
    import importlib.util
    if importlib.util.find_spec('ipykernel'):
        specs['python3'] = {'display_name': 'Python 3 (ipykernel)', 'language': 'python'}
print('berth-kernelspecs:' + json.dumps(specs))
`;

/** One `sh -c` script: which server commands exist, then the kernelspecs (read from disk, no jupyter_client import: fast). */
export const PROBE_SCRIPT = [
  `for c in ${SERVER_CANDIDATES.map((c) => c[0]).join(' ')}; do command -v "$c" >/dev/null 2>&1 && echo "berth-server:$c"; done`,
  `for p in python3 python; do if command -v "$p" >/dev/null 2>&1; then "$p" -c '${KERNELSPECS_PY.replace(/'/g, `'"'"'`)}'; break; fi; done`,
  'exit 0',
].join('\n');

export function parseProbeOutput(image: string, imageId: string, stdout: string): ImageProbe {
  const servers = new Set<string>();
  const kernelspecs: KernelSpecInfo[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.startsWith('berth-server:')) {
      servers.add(line.slice('berth-server:'.length).trim());
    } else if (line.startsWith('berth-kernelspecs:')) {
      kernelspecs.push(...parseKernelspecs(line.slice('berth-kernelspecs:'.length)));
    }
  }
  const serverCommand = SERVER_CANDIDATES.find((c) => servers.has(c[0]));
  if (!serverCommand) {
    return {
      imageId,
      kernelspecs,
      unusableReason: `Image ${image} has no Jupyter server: install jupyter-server (pip install jupyter-server ipykernel) or choose another image`,
    };
  }
  if (kernelspecs.length === 0) {
    return {
      imageId,
      kernelspecs,
      unusableReason: `Image ${image} has a Jupyter server but no kernel: install one (pip install ipykernel) or choose another image`,
    };
  }
  return { imageId, serverCommand, kernelspecs };
}

/** A probe whose container could not even run the script (no /bin/sh, a broken image). */
export function failedProbe(image: string, imageId: string, detail: string): ImageProbe {
  return { imageId, kernelspecs: [], unusableReason: `Image ${image} could not be probed for Jupyter (${detail}): choose another image` };
}

function parseKernelspecs(json: string): KernelSpecInfo[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  if (!isRecord(raw)) {
    return [];
  }
  return Object.entries(raw)
    .map(([name, spec]) => ({
      name,
      displayName: isRecord(spec) && typeof spec.display_name === 'string' ? spec.display_name : name,
      language: isRecord(spec) && typeof spec.language === 'string' ? spec.language : '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
