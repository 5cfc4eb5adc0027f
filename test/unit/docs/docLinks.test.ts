import { strict as assert } from 'assert';
import { isInside, normalizePath, resolveDocLink, resolveImagePath } from '../../../src/core/docs/docLinks';

const DOC = '/ws/docs/guide/intro.md';

describe('preview links', () => {
  it('resolves anchors', () => {
    assert.deepEqual(resolveDocLink('#install-steps', DOC), { kind: 'anchor', fragment: 'install-steps' });
    assert.deepEqual(resolveDocLink('#%C3%BCber', DOC), { kind: 'anchor', fragment: 'über' });
  });

  it('resolves relative links to docs, keeping the fragment', () => {
    assert.deepEqual(resolveDocLink('other.md', DOC), { kind: 'doc', path: '/ws/docs/guide/other.md', fragment: undefined });
    assert.deepEqual(resolveDocLink('../api/ref.Rmd#usage', DOC), { kind: 'doc', path: '/ws/docs/api/ref.Rmd', fragment: 'usage' });
    assert.deepEqual(resolveDocLink('./my%20notes.md', DOC), { kind: 'doc', path: '/ws/docs/guide/my notes.md', fragment: undefined });
  });

  it('resolves links to source files with GitHub line fragments', () => {
    assert.deepEqual(resolveDocLink('../../src/main.py#L12', DOC), { kind: 'file', path: '/ws/src/main.py', line: 12 });
    assert.deepEqual(resolveDocLink('../../Dockerfile', DOC), { kind: 'file', path: '/ws/Dockerfile', line: undefined });
  });

  it('opens http(s) and mailto links externally', () => {
    assert.deepEqual(resolveDocLink('https://example.com/x?y#z', DOC), { kind: 'external', url: 'https://example.com/x?y#z' });
    assert.deepEqual(resolveDocLink('mailto:a@b.test', DOC), { kind: 'external', url: 'mailto:a@b.test' });
  });

  it('refuses every other scheme', () => {
    for (const href of ['javascript:alert(1)', 'command:workbench.action.terminal.new', 'file:///etc/passwd', 'vscode://x', 'data:text/html,x', '//evil.test/x']) {
      assert.equal(resolveDocLink(href, DOC).kind, 'unsupported', href);
    }
  });

  it('never climbs above the root', () => {
    assert.equal(normalizePath('/a/../../../etc/passwd'), '/etc/passwd');
    assert.equal(normalizePath('/a/./b//c/'), '/a/b/c');
  });

  it('tells whether a path is inside a folder', () => {
    assert.equal(isInside('/ws/docs/a.md', '/ws'), true);
    assert.equal(isInside('/ws', '/ws'), true);
    assert.equal(isInside('/wsx/a.md', '/ws'), false);
  });
});

describe('preview images', () => {
  it('resolves relative images against the document, also from a parent folder', () => {
    assert.equal(resolveImagePath('img/a.png', DOC, '/ws'), '/ws/docs/guide/img/a.png');
    assert.equal(resolveImagePath('../../assets/logo%20big.png', DOC, '/ws'), '/ws/assets/logo big.png');
  });

  it('resolves root-relative images against the workspace folder', () => {
    assert.equal(resolveImagePath('/assets/x.png', DOC, '/ws'), '/ws/assets/x.png');
  });

  it('drops query and fragment', () => {
    assert.equal(resolveImagePath('a.png?raw=true#x', DOC, '/ws'), '/ws/docs/guide/a.png');
  });

  it('refuses images outside the workspace folder', () => {
    assert.equal(resolveImagePath('../../../secret.png', DOC, '/ws'), undefined);
    assert.equal(resolveImagePath('../../../wsx/a.png', DOC, '/ws'), undefined);
  });
});
