// Docker's .dockerignore rules (moby/patternmatcher), pattern by pattern and through the context walk.
import { strict as assert } from 'assert';
import { listContext, symlinkEscapes, SymlinkEscapesContextError, type ContextSource, type DirEntry } from '../../src/core/build/contextFiles';
import { cleanPath, contextPatterns, IgnorePattern, parseDockerignore, PatternMatcher } from '../../src/core/build/dockerignore';

/** An in-memory folder tree: a string is a file, an object a folder, `{ link }` a symlink. */
type Tree = { [name: string]: string | Tree | { link: string } };

function source(tree: Tree): ContextSource {
  const at = (rel: string): Tree => (rel === '.' ? tree : rel.split('/').reduce((t, name) => t[name] as Tree, tree));
  const isLink = (v: unknown): v is { link: string } => typeof v === 'object' && v !== null && typeof (v as { link?: unknown }).link === 'string';
  return {
    async readDir(rel) {
      return Object.entries(at(rel)).map(([name, v]): DirEntry => ({ name, kind: typeof v === 'string' ? 'file' : isLink(v) ? 'symlink' : 'directory' }));
    },
    async readLink(rel) {
      const parts = rel.split('/');
      const name = parts.pop()!;
      return (at(parts.length ? parts.join('/') : '.')[name] as { link: string }).link;
    },
  };
}

async function sent(tree: Tree, ignore: string, dockerfile = 'Dockerfile'): Promise<string[]> {
  const matcher = new PatternMatcher(contextPatterns(parseDockerignore(ignore), dockerfile));
  return (await listContext(source(tree), matcher)).map((e) => (e.kind === 'directory' ? `${e.path}/` : e.path));
}

describe('cleanPath (Go filepath.Clean)', () => {
  for (const [input, expected] of [['', '.'], ['a/', 'a'], ['./a/./b/', 'a/b'], ['a//b', 'a/b'], ['a/../b', 'b'], ['/', '/'], ['../a', '../a']]) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(cleanPath(input), expected));
  }
});

describe('parseDockerignore', () => {
  it('drops comments and blank lines, trims, and cleans paths', () => {
    assert.deepEqual(parseDockerignore('# c\n\n  a/  \n./b/../c\n/abs\n'), ['a', 'c', 'abs']);
  });
  it('keeps the ! of negations and cleans what follows', () => {
    assert.deepEqual(parseDockerignore('! keep/./x \n!/y'), ['!keep/x', '!y']);
  });
  it('treats # only at the line start as a comment and strips a BOM', () => {
    assert.deepEqual(parseDockerignore('\uFEFFa\n  # not a comment'), ['a', '# not a comment']);
  });
  it('accepts CRLF line ends', () => {
    assert.deepEqual(parseDockerignore('a\r\nb\r\n'), ['a', 'b']);
  });
});

describe('IgnorePattern.matches', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a.txt', 'a.txt', true],
    ['a.txt', 'b/a.txt', false],
    ['*.txt', 'a.txt', true],
    ['*.txt', 'd/a.txt', false],
    ['*/*.txt', 'd/a.txt', true],
    ['*/*.txt', 'd/e/a.txt', false],
    ['**/*.txt', 'a.txt', true],
    ['**/*.txt', 'd/e/a.txt', true],
    ['**/b', 'b', true],
    ['**/b', 'a/b', true],
    ['**/b', 'ab', false],
    ['**', 'anything/at/all', true],
    ['a/**', 'a/b/c', true],
    ['a/**', 'a', false],
    ['a/**/z', 'a/z', true],
    ['a/**/z', 'a/b/c/z', true],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['[a-c].py', 'b.py', true],
    ['[a-c].py', 'd.py', false],
    ['c++', 'c++', true],
    ['f(1).txt', 'f(1).txt', true],
    ['f(1).txt', 'f1.txt', false],
    ['x+y.txt', 'xy.txt', false],
    ['a|b', 'ab', false],
    ['a|b', 'a|b', true],
    ['q{2}.md', 'qq.md', false],
    ['a.b', 'axb', false],
    ['\\*star', '*star', true],
    ['\\*star', 'xstar', false],
    ['README', 'readme', false],
  ];
  for (const [pattern, file, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${file}`, () => assert.equal(new IgnorePattern(pattern).matches(file), expected));
  }
  it('refuses a lone "!"', () => assert.throws(() => new IgnorePattern('!'), /illegal exclusion/));
});

describe('PatternMatcher.matches (file or parent folder, last pattern wins)', () => {
  it('ignores everything under an ignored folder', () => assert.equal(new PatternMatcher(['build']).matches('build/x/y.o'), true));
  it('lets a later negation re-include', () => assert.equal(new PatternMatcher(['*.log', '!keep.log']).matches('keep.log'), false));
  it('lets a later pattern ignore again', () => assert.equal(new PatternMatcher(['*.log', '!keep.log', 'keep*']).matches('keep.log'), true));
  it('matches ** patterns against parent folders', () => assert.equal(new PatternMatcher(['**/cache']).matches('a/b/cache/f'), true));
  it('reports whether a negation may re-include inside a folder', () => {
    const m = new PatternMatcher(['docs', '!docs/README.md', '!**/keep']);
    assert.equal(m.mayReincludeInside('docs'), true);
    assert.equal(m.mayReincludeInside('other'), false);
    assert.equal(new PatternMatcher(['docs']).mayReincludeInside('docs'), false);
  });
});

describe('contextPatterns', () => {
  it('re-includes the Dockerfile and .dockerignore when the patterns exclude them', () => {
    assert.deepEqual(contextPatterns(['*'], 'Dockerfile'), ['*', '!.dockerignore', '!Dockerfile']);
  });
  it('adds nothing when they are sent anyway', () => {
    assert.deepEqual(contextPatterns(['*.log'], 'docker/Dockerfile'), ['*.log']);
  });
  it('re-includes a Dockerfile inside an ignored folder', () => {
    assert.deepEqual(contextPatterns(['docker'], 'docker/Dockerfile.dev'), ['docker', '!docker/Dockerfile.dev']);
  });
});

describe('listContext (the files docker build sends)', () => {
  const tree: Tree = {
    Dockerfile: 'FROM x',
    '.dockerignore': '',
    'a.log': '',
    'keep.log': '',
    src: { 'main.py': '', 'x.log': '', __pycache__: { 'm.pyc': '' }, pkg: { __pycache__: { 'n.pyc': '' }, 'mod.py': '' } },
    docs: { 'README.md': '', 'guide.md': '' },
    node_modules: { x: { 'i.js': '' } },
  };

  it('sends everything, in byte order, depth first, without an ignore file', async () => {
    assert.deepEqual(await sent({ b: '', B: '', a: { z: '' } }, ''), ['B', 'a/', 'a/z', 'b']);
  });
  it('orders names by their UTF-8 bytes, not UTF-16 code units (an emoji after U+FF5E)', async () => {
    assert.deepEqual(await sent({ '\u{1F600}': '', '\uFF5E': '', é: '' }, ''), ['é', '\uFF5E', '\u{1F600}']);
  });
  it('applies *, negation, ** and folder patterns', async () => {
    assert.deepEqual(await sent(tree, '*.log\n!keep.log\n**/__pycache__\nnode_modules\ndocs/*\n!docs/README.md'), [
      '.dockerignore', 'Dockerfile', 'docs/', 'docs/README.md', 'keep.log', 'src/', 'src/main.py', 'src/pkg/', 'src/pkg/mod.py', 'src/x.log',
    ]);
  });
  it('walks into an ignored folder only when a negation names something inside it', async () => {
    assert.deepEqual(await sent(tree, 'docs\n!docs/README.md'), [
      '.dockerignore', 'Dockerfile', 'a.log', 'docs/README.md', 'keep.log', 'node_modules/', 'node_modules/x/', 'node_modules/x/i.js',
      'src/', 'src/__pycache__/', 'src/__pycache__/m.pyc', 'src/main.py', 'src/pkg/', 'src/pkg/__pycache__/', 'src/pkg/__pycache__/n.pyc', 'src/pkg/mod.py', 'src/x.log',
    ]);
  });
  it('keeps a folder excluded when a later negation re-includes its parent (parent results, as Docker)', async () => {
    assert.deepEqual(await sent({ Dockerfile: '', p: { b: { f: '' }, c: '' } }, 'p/b\n!p'), ['Dockerfile', 'p/', 'p/c']);
  });
  it('does not reopen an ignored folder for a ** negation (as Docker)', async () => {
    assert.deepEqual(await sent({ Dockerfile: '', docs: { keep: '' } }, 'docs\n!**/keep'), ['Dockerfile']);
  });
  it('always sends the Dockerfile and .dockerignore, even under "*"', async () => {
    assert.deepEqual(await sent({ Dockerfile: '', '.dockerignore': '', other: '' }, '*'), ['.dockerignore', 'Dockerfile']);
  });
  it('sends a Dockerfile from an ignored subfolder without the rest of it', async () => {
    assert.deepEqual(await sent({ docker: { Dockerfile: '', secret: '' }, app: '' }, 'docker', 'docker/Dockerfile'), ['app', 'docker/Dockerfile']);
  });
  it('keeps a symlink inside the context', async () => {
    assert.deepEqual(await sent({ a: '', l: { link: 'a' } }, ''), ['a', 'l']);
  });
  it('refuses a symlink leading out, naming it', async () => {
    await assert.rejects(sent({ d: { l: { link: '../../x' } } }, ''), (e: unknown) => e instanceof SymlinkEscapesContextError && /d\/l/.test(e.message));
  });
  it('does not look at an ignored escaping symlink', async () => {
    assert.deepEqual(await sent({ a: '', l: { link: '/etc/passwd' } }, 'l'), ['a']);
  });
  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(listContext(source({ a: '' }), new PatternMatcher([]), controller.signal), /stop/);
  });
});

describe('symlinkEscapes', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a', 'b', false],
    ['d/a', '../b', false],
    ['d/a', '../../b', true],
    ['a', '..', true],
    ['a', '/etc/passwd', true],
    ['d/e/a', './../x/../../y', false],
    ['d/a', '../d/../../z', true],
  ];
  for (const [link, target, expected] of cases) {
    it(`${link} → ${target}: ${expected ? 'escapes' : 'stays inside'}`, () => assert.equal(symlinkEscapes(link, target), expected));
  }
});
