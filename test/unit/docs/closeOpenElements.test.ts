import { strict as assert } from 'assert';
import { closeOpenElements } from '../../../src/core/docs/closeOpenElements';
import { DocumentRenderer, type RenderOptions } from '../../../src/core/docs/renderDocument';

const renderer = new DocumentRenderer();
const trusted: RenderOptions = { allowHtml: true, mapImage: (src) => `https://res.test/doc/${src}` };
const render = (source: string) => renderer.render(source, trusted).html;
const headings = (html: string) => [...html.matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]);

/** A long document with one bad block in section 3. */
function documentWith(bad: string, sections = 40): string {
  let doc = '# Report\n\n';
  for (let i = 1; i <= sections; i++) doc += `## Section ${i}\n\nText of section ${i}.\n\n${i === 3 ? `${bad}\n\n` : ''}`;
  return doc;
}
const all = Array.from({ length: 40 }, (_, i) => `section-${i + 1}`);

describe('one bad block does not hide the rest of the document', () => {
  it('shows every section after a raw <svg> left unclosed', () => {
    assert.deepEqual(headings(render(documentWith('<svg width="100" height="100">\n<circle cx="50" cy="50" r="40"/>'))), all);
  });
  it('shows every section after an unclosed <svg> inside a paragraph', () => {
    assert.deepEqual(headings(render(documentWith('An icon <svg viewBox="0 0 8 8"><path d="M0 0h8"/> inline.'))), all);
  });
  it('shows every section after an unclosed <math>, <noscript> or <iframe>', () => {
    for (const bad of ['<math>\n<mi>x</mi>', '<noscript>\nno script', '<iframe src="https://example.com">']) {
      assert.deepEqual(headings(render(documentWith(bad))), all, bad);
    }
  });
  it('does not fold the rest of the document into an unclosed <details>', () => {
    const html = render(documentWith('<details>\n<summary>More</summary>'));
    assert.deepEqual(headings(html), all);
    assert.match(html, /<details>\n<summary>More<\/summary>\n<\/details><h2 id="section-4"/);
  });
  it('keeps a <div> the document closes blocks later around the Markdown in between', () => {
    const html = render('<div align="center">\n\n![logo](logo.png)\n\n**Berth**\n\n</div>\n\n## After\n');
    assert.match(html, /^<div align="center">\n<p data-line="2"><img alt="logo" src="https:\/\/res\.test\/doc\/logo\.png" \/><\/p>\n<p data-line="4"><strong>Berth<\/strong><\/p>\n<\/div>\n<h2 id="after"/);
  });
  it('drops the content of the bad element itself, as the sanitiser always did', () => {
    const html = render(documentWith('<svg><text>drawn text</text>'));
    assert.doesNotMatch(html, /drawn text|<svg|<text/);
  });
  it('renders a document with balanced raw HTML exactly as one piece', () => {
    const source = '# T\n\n<kbd>Ctrl</kbd>+<kbd>C</kbd> and <b>bold</b>.\n\n<details><summary>s</summary>\n\nInside.\n\n</details>\n\n| a |\n|---|\n| <i>x</i> |\n';
    const html = render(source);
    assert.match(html, /<p data-line="2"><kbd>Ctrl<\/kbd>\+<kbd>C<\/kbd> and <b>bold<\/b>\.<\/p>/);
    assert.match(html, /<details><summary>s<\/summary>\n<p data-line="6">Inside\.<\/p>\n<\/details>/);
    assert.match(html, /<td><i>x<\/i><\/td>/);
  });
});

describe('closeOpenElements', () => {
  it('closes a content-dropping element at the end of its block, innermost first', () => {
    assert.equal(closeOpenElements(['<svg><g>', '<p>next</p>']), '<svg><g></g></svg><p>next</p>');
  });
  it('closes an element the document never closes at the end of the block that opened it', () => {
    assert.equal(closeOpenElements(['<details><summary>s</summary>', '<p>a</p>', '<p>b</p>']), '<details><summary>s</summary></details><p>a</p><p>b</p>');
  });
  it('leaves an element alone that a later block closes', () => {
    assert.equal(closeOpenElements(['<div>', '<p>a</p>', '</div>']), '<div><p>a</p></div>');
  });
  it('stops a raw-text element from swallowing the blocks after it', () => {
    assert.equal(closeOpenElements(['<p>a <script>x', '<h2>b</h2>']), '<p>a <script>x</script><h2>b</h2>');
  });
});
