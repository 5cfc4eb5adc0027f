// `npm run package`: a production bundle and a .vsix (dist/berth.vsix) made with @vscode/vsce.
// --stage DIR: the same .vsix made from a copy of this tree in DIR (DIR/berth.vsix, its production bundles in
// DIR/dist), leaving this tree's dist/ and out/ as they are (bench/activation.ts measures the .vsix as shipped
// while the other benchmarks keep the development bundle).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const stageArg = process.argv.indexOf('--stage');
const stage = stageArg > 0 ? resolve(process.argv[stageArg + 1]) : undefined;
const step = (cmd, args, cwd = ROOT) => {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (stage) {
  // What .vscodeignore lets into the .vsix comes from this copy; the bundles are written into it, not copied.
  const skip = new Set(['node_modules', '.git', 'out', 'dist', '.berth-test-results']);
  mkdirSync(stage, { recursive: true });
  cpSync(ROOT, stage, { recursive: true, filter: (src) => src === ROOT || !skip.has(basename(src)) || resolve(src, '..') !== ROOT });
  step(process.execPath, ['scripts/build.mjs', '--production', '--into', stage]);
} else {
  step(process.execPath, ['scripts/build.mjs', '--production']);
}
step(process.execPath, [resolve(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', stage ? resolve(stage, 'berth.vsix') : 'dist/berth.vsix'], stage ?? ROOT);
