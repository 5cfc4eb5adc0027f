import { strict as assert } from 'assert';
import { DocumentRenderer } from '../../../src/core/docs/renderDocument';
import { sanitizePreviewHtml } from '../../../src/core/docs/sanitizePreviewHtml';
import { XSS_CORPUS } from './xssCorpus';

const renderer = new DocumentRenderer();
const mapImage = (src: string) => `https://res.test/${src}`;

const FORBIDDEN_TAGS = new Set(['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'svg', 'math', 'link', 'meta', 'base', 'form', 'button', 'template', 'video', 'audio', 'source', 'body', 'noscript', 'x']);

/** Every tag and attribute of sanitised output; sanitize-html always writes well-formed, double-quoted markup. */
function tagsOf(html: string): { name: string; attrs: Map<string, string> }[] {
  const tags: { name: string; attrs: Map<string, string> }[] = [];
  for (const match of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attrs = new Map<string, string>();
    for (const a of match[2].matchAll(/([^\s=>/]+)(?:="([^"]*)")?/g)) attrs.set(a[1].toLowerCase(), decode(a[2] ?? ''));
    tags.push({ name: match[1].toLowerCase(), attrs });
  }
  return tags;
}

function decode(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The reasons the markup could run script or restyle the page; empty when it is safe. */
function dangers(html: string): string[] {
  const found: string[] = [];
  for (const { name, attrs } of tagsOf(html)) {
    if (FORBIDDEN_TAGS.has(name)) found.push(`<${name}>`);
    for (const [attr, value] of attrs) {
      if (attr.startsWith('on')) found.push(`${name}[${attr}]`);
      if (attr === 'style' || attr === 'srcset' || attr === 'formaction' || attr === 'xlink:href') found.push(`${name}[${attr}]`);
      if (attr === 'data-berth-style') found.push(`${name}[data-berth-style] outside KaTeX`);
      const url = value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if ((attr === 'href' || attr === 'src') && /^(javascript|vbscript|file|blob):/.test(url)) found.push(`${name}[${attr}=${url.slice(0, 20)}]`);
      if ((attr === 'href' || attr === 'src') && url.startsWith('//')) found.push(`${name}[${attr}] protocol-relative`);
      if ((attr === 'href' || attr === 'src') && url.startsWith('data:') && !(name === 'img' && /^data:image\/(png|gif|jpeg|webp);/.test(url))) {
        found.push(`${name}[${attr}=${url.slice(0, 24)}]`);
      }
    }
  }
  return found;
}

describe('docs sanitiser: XSS corpus', () => {
  for (const { name, payload, swallowsRest } of XSS_CORPUS) {
    it(`neutralises ${name}`, () => {
      const html = renderer.render(`before\n\n${payload}\n\nafter *md*\n`, { allowHtml: true, mapImage }).html;
      assert.deepEqual(dangers(html), [], `unsafe output for ${JSON.stringify(payload)}:\n${html}`);
      if (!swallowsRest) assert.match(html, /<em>md<\/em>/, 'the rest of the document still renders');
    });
  }

  it('the danger check itself catches unsafe markup (so the corpus tests can fail)', () => {
    assert.deepEqual(dangers('<img src="x" onerror="a()">'), ['img[onerror]']);
    assert.deepEqual(dangers('<a href="jav&#x09;ascript:x">'), ['a[href=javascript:x]']);
    assert.deepEqual(dangers('<div style="position:fixed"></div>'), ['div[style]']);
    assert.deepEqual(dangers('<svg></svg><iframe></iframe>'), ['<svg>', '<iframe>']);
    assert.deepEqual(dangers('<img src="data:image/svg+xml;base64,AA">'), ['img[src=data:image/svg+xml;base6]']);
  });

  it('keeps the text of discarded harmless elements and drops script bodies', () => {
    const html = renderer.render('<x onclick="a()">click me</x> <script>secret()</script>\n', { allowHtml: true, mapImage }).html;
    assert.match(html, /click me/);
    assert.doesNotMatch(html, /secret/);
  });

  it('keeps safe links and safe elements from the corpus', () => {
    const html = renderer.render('<a href="https://ok.test/" onclick="x()">ok link</a>\n', { allowHtml: true, mapImage }).html;
    assert.match(html, /<a href="https:\/\/ok.test\/">ok link<\/a>/);
  });
});

describe('docs sanitiser: images and form controls', () => {
  it('allows raster data: images and nothing else under data:', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    assert.match(sanitizePreviewHtml(`<img src="${png}">`, mapImage), /src="data:image\/png;base64,iVBORw0KGgo="/);
    assert.doesNotMatch(sanitizePreviewHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">', mapImage), /src=/);
    assert.doesNotMatch(sanitizePreviewHtml('<img src="data:image/png,<svg>">', mapImage), /src=/);
    assert.doesNotMatch(sanitizePreviewHtml('<img src="data:text/html,x">', mapImage), /src=/);
  });

  it('never maps a URL with a scheme through the workspace mapper', () => {
    const seen: string[] = [];
    sanitizePreviewHtml('<img src="file:///etc/passwd"><img src="vscode-resource:/x"><img src="//host/x">', (s) => {
      seen.push(s);
      return s;
    });
    assert.deepEqual(seen, []);
  });

  it('turns any input into a disabled checkbox', () => {
    const html = sanitizePreviewHtml('<input type="text" value="x" name="q">', mapImage);
    assert.equal(html, '<input type="checkbox" disabled />');
  });

  it('restricts classes to the ones the renderer itself uses', () => {
    const html = sanitizePreviewHtml('<li class="task-list-item berth-mermaid katex">x</li><div class="berth-chunk">y</div>', mapImage);
    assert.equal(html, '<li class="task-list-item">x</li><div>y</div>');
  });
});
