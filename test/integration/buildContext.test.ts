// The build adapter against the real Docker Engine: the context Berth sends must be the one `docker build`
// sends for the same folder, compared by listing what a `COPY . /ctx` step receives.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SymlinkEscapesContextError } from '../../src/core/build/contextFiles';
import { runBuild } from '../../src/core/build/buildRunner';
import { DockerImageBuilder } from '../../src/adapters/docker/dockerImageBuilder';

const BASE = 'berth/debian-base:bookworm';
const LABEL = 'berth.test.build-context';
const RUN_ID = `${process.pid}-${Date.now()}`;
const LISTING = 'RUN cd /ctx && find . -mindepth 1 -printf "%y %p\\n" | LC_ALL=C sort > /listing.txt';

/** Writes a tree: keys are paths, values file contents; a value `{ link }` makes a symlink. */
function makeTree(root: string, tree: Record<string, string | { link: string }>): void {
  for (const [rel, content] of Object.entries(tree)) {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(full, content);
    else fs.symlinkSync(content.link, full);
  }
}

async function readListing(docker: Docker, image: string): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: ['cat', '/listing.txt'], Labels: { [LABEL]: RUN_ID } });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: false });
    return demux(logs);
  } finally {
    await container.remove({ force: true });
  }
}

/** The docker log frames: 8-byte headers before each chunk. */
function demux(buffer: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(i + 4);
    out += buffer.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

describe('Build context (real Docker Engine, compared with docker build)', function () {
  const docker = new Docker();
  const builder = new DockerImageBuilder(docker, 'unix:///var/run/docker.sock');
  const tags: string[] = [];
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
  });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const tag of tags.splice(0)) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  });

  async function berthBuild(dockerfile: string): Promise<string> {
    const tag = `berth-test/ctx-berth:${RUN_ID}-${tags.length}`;
    tags.push(tag);
    await runBuild(builder, { contextDir: dir, dockerfile, tag, buildArgs: {}, labels: { [LABEL]: RUN_ID } }, fs.readFileSync(path.join(dir, dockerfile), 'utf8'), {});
    return tag;
  }

  function cliBuild(dockerfile: string): string {
    const tag = `berth-test/ctx-cli:${RUN_ID}-${tags.length}`;
    tags.push(tag);
    execFileSync('docker', ['build', '-q', '--label', `${LABEL}=${RUN_ID}`, '-f', path.join(dir, dockerfile), '-t', tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return tag;
  }

  async function assertSameContext(tree: Record<string, string | { link: string }>, dockerfile = 'Dockerfile'): Promise<string> {
    makeTree(dir, { [dockerfile]: `FROM ${BASE}\nCOPY . /ctx\n${LISTING}\n`, ...tree });
    const expected = await readListing(docker, cliBuild(dockerfile));
    const actual = await readListing(docker, await berthBuild(dockerfile));
    assert.equal(actual, expected);
    return actual;
  }

  it('sends everything when there is no .dockerignore', async () => {
    const listing = await assertSameContext({ 'a.txt': 'a', 'src/b.py': 'b', 'src/deep/c.py': 'c', '.hidden': 'h' });
    assert.match(listing, /f \.\/src\/deep\/c\.py/);
  });

  it('honours negations, ** and directory patterns like docker build', async () => {
    const listing = await assertSameContext({
      '.dockerignore': ['# comment', '*.log', '!keep.log', '**/__pycache__', 'build/', 'docs/*', '!docs/README.md', 'node_modules', '/abs.txt', ' spaced.txt '].join('\n'),
      'a.log': 'x', 'keep.log': 'k', 'abs.txt': 'x', 'spaced.txt': 'x',
      'src/__pycache__/m.pyc': 'x', 'src/pkg/__pycache__/n.pyc': 'x', 'src/pkg/mod.py': 'm', 'src/a.log': 'nested log is kept',
      'build/out.bin': 'x', 'docs/README.md': 'r', 'docs/guide.md': 'g', 'node_modules/x/index.js': 'x',
    });
    assert.match(listing, /f \.\/keep\.log/);
    assert.match(listing, /f \.\/src\/a\.log/);
    assert.doesNotMatch(listing, /__pycache__/);
  });

  it('re-includes a file inside an ignored folder, and always sends the Dockerfile and .dockerignore', async () => {
    await assertSameContext({
      '.dockerignore': ['*', '!app/', 'app/tests', '!app/tests/keep/**', '.dockerignore', 'docker'].join('\n'),
      'app/main.py': 'm', 'app/tests/t.py': 't', 'app/tests/keep/k.py': 'k', 'other.txt': 'o', 'docker/extra': 'x',
    }, 'docker/Dockerfile');
  });

  it('treats names case-sensitively and matches single-level wildcards per folder', async () => {
    await assertSameContext({
      '.dockerignore': ['*/*.tmp', 'README', '?.txt', '**/*.md', '!**/KEEP.md'].join('\n'),
      'README': 'r', 'readme': 'r', 'a.txt': 'a', 'ab.txt': 'ab', 'x/y.tmp': 't', 'x/z/y.tmp': 't', 'x/n.md': 'n', 'x/KEEP.md': 'k',
    });
  });

  it('keeps symlinks that stay inside the context', async () => {
    const listing = await assertSameContext({ 'data/real.txt': 'r', 'data/link.txt': { link: 'real.txt' }, 'up.txt': { link: 'data/real.txt' } });
    assert.match(listing, /l \.\/data\/link\.txt/);
  });

  it('refuses a symlink that points outside the context, naming it', async () => {
    makeTree(dir, { Dockerfile: `FROM ${BASE}\nCOPY . /ctx\n`, 'ok.txt': 'o', 'conf/secrets': { link: '../../etc/passwd' } });
    const tag = `berth-test/ctx-berth:${RUN_ID}-escape`;
    await assert.rejects(
      runBuild(builder, { contextDir: dir, dockerfile: 'Dockerfile', tag, buildArgs: {}, labels: {} }, fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), {}),
      (e: unknown) => e instanceof SymlinkEscapesContextError && /conf\/secrets/.test(e.message),
    );
    await assert.rejects(docker.getImage(tag).inspect(), /no such image/i);
  });

  it('ignores an escaping symlink that .dockerignore excludes', async () => {
    await assertSameContext({ '.dockerignore': 'conf/secrets', 'ok.txt': 'o', 'conf/secrets': { link: '/etc/passwd' } });
  });
});
