// Bundles the extension and the CLI with esbuild (CommonJS for Node, `vscode` external, minified with
// --production), and transpiles src/, test/ and bench/ one file per file into out/ for the test tiers.
// --into DIR: writes the bundles and the media copies under DIR (DIR/dist, DIR/media) instead of this tree, and
// leaves out/ alone (scripts/package.mjs --stage: a .vsix made outside the tree, for the activation benchmark).
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const production = process.argv.includes('--production');
const root = new URL('..', import.meta.url).pathname;
const intoArg = process.argv.indexOf('--into');
const into = intoArg > 0 ? resolve(process.argv[intoArg + 1]) : undefined;
const target = into ?? root;
const t0 = performance.now();

function tsFiles(dir) {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('fixtures'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(join(root, f)).isFile());
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // dockerode's ssh transport pulls optional native modules that Berth never loads.
  loader: { '.node': 'empty' },
};

if (!into) rmSync(join(root, 'out'), { recursive: true, force: true });
const builds = [
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: join(target, 'dist/extension.js') }),
  // packContext starts it as a worker thread from the bundle's folder (dist/extension.js and dist/cli.js).
  esbuild.build({ ...common, entryPoints: ['src/adapters/docker/contextTarWorker.ts'], outfile: join(target, 'dist/contextTarWorker.js') }),
];
if (!into) {
  builds.push(esbuild.build({
    absWorkingDir: root,
    entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('bench')],
    outdir: 'out',
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  }));
}
if (existsSync(join(root, 'src/cli.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/cli.ts'], outfile: join(target, 'dist/cli.js'), banner: { js: '#!/usr/bin/env node' } }));
}
// The docs preview may load only from media/ (webview CSP): KaTeX's stylesheet and woff2 fonts, and mermaid's
// own esbuild-made browser bundle, loaded only for documents with a diagram.
cpSync(join(root, 'node_modules/katex/dist/katex.min.css'), join(target, 'media/katex/katex.min.css'));
cpSync(join(root, 'node_modules/katex/dist/fonts'), join(target, 'media/katex/fonts'), { recursive: true, filter: (f) => !/\.(ttf|woff)$/.test(f) });
cpSync(join(root, 'node_modules/mermaid/dist/mermaid.min.js'), join(target, 'media/mermaid/mermaid.min.js'));
await Promise.all(builds);
console.log(`[build] ${production ? 'production' : 'development'} bundle${into ? ` into ${into}` : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
