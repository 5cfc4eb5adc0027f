import { strict as assert } from 'assert';
import { parseFromPreviewMessage } from '../../../src/core/docs/previewMessages';
import { previewCsp, previewPage, unitTemplates } from '../../../src/core/docs/previewPage';

describe('preview messages from the webview', () => {
  it('accepts the known shapes', () => {
    assert.deepEqual(parseFromPreviewMessage({ type: 'openLink', href: 'a.md' }), { type: 'openLink', href: 'a.md' });
    assert.deepEqual(parseFromPreviewMessage({ type: 'previewScrolled', line: 3 }), { type: 'previewScrolled', line: 3 });
    assert.deepEqual(parseFromPreviewMessage({ type: 'revealLine', line: 0 }), { type: 'revealLine', line: 0 });
    assert.deepEqual(parseFromPreviewMessage({ type: 'patched', version: 7 }), { type: 'patched', version: 7 });
    assert.deepEqual(parseFromPreviewMessage({ type: 'loaded', version: 2 }), { type: 'loaded', version: 2 });
  });

  it('drops extra fields', () => {
    assert.deepEqual(parseFromPreviewMessage({ type: 'revealLine', line: 1, command: 'x' }), { type: 'revealLine', line: 1 });
  });

  it('rejects anything else', () => {
    for (const bad of [null, 'openLink', [], {}, { type: 'runCommand', id: 'x' }, { type: 'openLink' }, { type: 'openLink', href: '' },
      { type: 'openLink', href: 'x'.repeat(5000) }, { type: 'revealLine', line: -1 }, { type: 'revealLine', line: 1.5 },
      { type: 'revealLine', line: '3' }, { type: 'previewScrolled', line: Infinity }, { type: 'patched', version: NaN }, { type: 'loaded', version: -2 }]) {
      assert.equal(parseFromPreviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('preview page', () => {
  const parts = {
    cspSource: 'https://res.test',
    nonce: 'abc123',
    styleUris: ['https://res.test/media/preview.css'],
    scriptUri: 'https://res.test/media/preview.js',
    bodyHtml: '<p data-line="0">hi</p>',
    version: 4,
    documentUri: 'file:///ws/a "b".md',
    title: 'Preview <a>.md',
  };

  it('has the strict CSP: nothing by default, nonce scripts and styles, media from the webview source', () => {
    assert.equal(
      previewCsp('https://res.test', 'N'),
      "default-src 'none'; img-src https://res.test https: data:; style-src https://res.test 'nonce-N'; font-src https://res.test; script-src 'nonce-N'",
    );
    assert.match(previewPage(parts), /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  it('puts the nonce on every script and stylesheet', () => {
    const html = previewPage({ ...parts, mermaidUri: 'https://res.test/media/mermaid.js' });
    assert.equal((html.match(/<script /g) ?? []).length, 2);
    assert.equal((html.match(/<script nonce="abc123" src=/g) ?? []).length, 2);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/res.test\/media\/preview.css" nonce="abc123">/);
  });

  it('delivers the body in an inert template, exactly as rendered, for updates to compare with', () => {
    assert.match(previewPage(parts), /data-fragment=""><\/main>\n<template id="berth-body"><p data-line="0">hi<\/p><\/template>/);
  });

  it('loads mermaid only when asked', () => {
    assert.doesNotMatch(previewPage(parts), /mermaid/);
  });

  it('escapes every interpolated value', () => {
    const html = previewPage({ ...parts, fragment: '"><script>x</script>' });
    assert.match(html, /<title>Preview &lt;a&gt;.md<\/title>/);
    assert.match(html, /data-document="file:\/\/\/ws\/a &quot;b&quot;.md"/);
    assert.match(html, /data-fragment="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/);
  });
});

describe('preview units', () => {
  it('wraps each new unit in an inert template with its id and first line', () => {
    assert.equal(
      unitTemplates([[3, 0], [9, 4], [4, 7]], [[9, '<p data-line="4">a</p>\n'], [4, '<hr data-line="7" />']]),
      '<template data-unit="9" data-line="4"><p data-line="4">a</p>\n</template><template data-unit="4" data-line="7"><hr data-line="7" /></template>',
    );
  });
});
