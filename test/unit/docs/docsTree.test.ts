import { strict as assert } from 'assert';
import { excludedFolderNames, isDocPath } from '../../../src/core/docs/docPaths';
import { DocsIndex } from '../../../src/core/docs/docsIndex';
import { buildDocsTree, type DocsTreeNode } from '../../../src/core/docs/docsTree';

/** The tree as indented lines: `folder/` and `file`. */
function outline(nodes: readonly DocsTreeNode[], depth = 0): string[] {
  return nodes.flatMap((n) =>
    n.kind === 'folder' ? [`${'  '.repeat(depth)}${n.label}/`, ...outline(n.children, depth + 1)] : [`${'  '.repeat(depth)}${n.label}`],
  );
}

describe('docs paths', () => {
  it('counts Markdown and R Markdown anywhere', () => {
    for (const p of ['README.md', 'notes.md', 'a/b/c.markdown', 'analysis.Rmd', 'x/report.rmd', 'CHANGELOG.MD']) assert.equal(isDocPath(p), true, p);
  });

  it('counts READMEs of any kind and text files under docs/', () => {
    for (const p of ['README', 'pkg/README.txt', 'readme.rst', 'docs/guide.txt', 'docs/api/ref.adoc', 'doc/notes.txt']) assert.equal(isDocPath(p), true, p);
  });

  it('ignores other files', () => {
    for (const p of ['src/main.py', 'notes.txt', 'docs/logo.png', 'README.png', 'Dockerfile', '']) assert.equal(isDocPath(p), false, p);
  });

  it('ignores dependency and tool folders, and configured ones', () => {
    assert.equal(isDocPath('node_modules/pkg/README.md'), false);
    assert.equal(isDocPath('a/node_modules/b/x.md'), false);
    assert.equal(isDocPath('.git/x.md'), false);
    assert.equal(isDocPath('.venv/lib/README.md'), false);
    assert.equal(isDocPath('build/out.md', new Set(['build'])), false);
    assert.equal(isDocPath('src/build.md', new Set(['build'])), true);
  });

  it('reads folder names from simple exclude globs', () => {
    assert.deepEqual([...excludedFolderNames(['**/.git', '**/dist/**', 'out', 'build/**', '**/*.log', '{a,b}', 'src/gen'])], ['.git', 'dist', 'out', 'build']);
  });
});

describe('docs tree', () => {
  it('groups by folder, folders first, README first, names in natural order', () => {
    const tree = buildDocsTree('root', ['z.md', 'README.md', 'docs/b.md', 'docs/a10.md', 'docs/a2.md', 'api/README.md', 'api/x.md']);
    assert.deepEqual(outline(tree), ['api/', '  README.md', '  x.md', 'docs/', '  a2.md', '  a10.md', '  b.md', 'README.md', 'z.md']);
  });

  it('compacts chains of single-child folders', () => {
    const tree = buildDocsTree('root', ['docs/guide/deep/a.md', 'docs/guide/deep/b.md', 'docs/other.md']);
    assert.deepEqual(outline(tree), ['docs/', '  guide/deep/', '    a.md', '    b.md', '  other.md']);
    const compact = tree[0].kind === 'folder' ? tree[0].children[0] : undefined;
    assert.equal(compact?.kind === 'folder' && compact.path, 'docs/guide/deep');
  });

  it('gives nodes stable ids from the root and path', () => {
    const [folder] = buildDocsTree('file:///ws', ['docs/a.md']);
    assert.equal(folder.id, 'file:///ws:docs/');
    assert.equal(folder.kind === 'folder' && folder.children[0].id, 'file:///ws:docs/a.md');
  });

  it('lists a path once', () => {
    assert.deepEqual(outline(buildDocsTree('r', ['a.md', 'a.md'])), ['a.md']);
  });
});

describe('docs index', () => {
  const root = { key: 'file:///ws', name: 'ws' };

  it('keeps only docs from a scan', () => {
    const index = new DocsIndex();
    index.setRoot(root, ['README.md', 'src/x.py', 'node_modules/p/README.md', 'docs/a.md']);
    assert.deepEqual(index.paths(root.key), ['README.md', 'docs/a.md']);
  });

  it('adds and removes single files and fires once per change', () => {
    const index = new DocsIndex();
    index.setRoot(root, ['README.md']);
    let changes = 0;
    index.onDidChange(() => changes++);
    assert.equal(index.add(root.key, 'docs/new.md'), true);
    assert.equal(index.add(root.key, 'docs/new.md'), false, 'already listed');
    assert.equal(index.add(root.key, 'src/code.ts'), false, 'not a doc');
    assert.equal(index.remove(root.key, 'README.md'), true);
    assert.equal(changes, 2);
    assert.deepEqual(index.paths(root.key), ['docs/new.md']);
  });

  it('removes everything under a deleted folder', () => {
    const index = new DocsIndex();
    index.setRoot(root, ['docs/a.md', 'docs/sub/b.md', 'docsx/c.md']);
    index.remove(root.key, 'docs');
    assert.deepEqual(index.paths(root.key), ['docsx/c.md']);
  });

  it('applies the folder exclusions of the scan to later files', () => {
    const index = new DocsIndex();
    index.setRoot(root, [], new Set(['build']));
    assert.equal(index.add(root.key, 'build/gen.md'), false);
  });

  it('shows one node per workspace folder when there are several', () => {
    const index = new DocsIndex();
    index.setRoot(root, ['README.md']);
    index.setRoot({ key: 'file:///other', name: 'other' }, ['docs/x.md']);
    assert.deepEqual(outline(index.tree()), ['ws/', '  README.md', 'other/', '  docs/', '    x.md']);
    index.removeRoot('file:///other');
    assert.deepEqual(outline(index.tree()), ['README.md']);
  });
});
