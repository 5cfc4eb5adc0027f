import { strict as assert } from 'assert';
import { DocumentRenderer, type RenderOptions } from '../../../src/core/docs/renderDocument';

const renderer = new DocumentRenderer();
const trusted: RenderOptions = { allowHtml: true, mapImage: (src) => `https://res.test/doc/${src}` };

function render(source: string, options: RenderOptions = trusted): string {
  return renderer.render(source, options).html;
}

/** KaTeX's MathML copy repeats the TeX source; most checks want only the visible HTML. */
function withoutMathml(html: string): string {
  return html.replace(/<span class="katex-mathml">[\s\S]*?<\/math><\/span>/g, '');
}

describe('docs renderer: CommonMark and GFM', () => {
  it('renders a GFM table with alignment as classes, not style attributes', () => {
    const html = render('| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n');
    assert.match(html, /<table data-line="0">/);
    assert.match(html, /<th class="berth-align-left">a<\/th>/);
    assert.match(html, /<td class="berth-align-center">2<\/td>/);
    assert.match(html, /<td class="berth-align-right">3<\/td>/);
    assert.doesNotMatch(html, /style=/);
  });

  it('renders task lists as disabled checkboxes', () => {
    const html = render('- [x] done\n- [ ] open\n');
    assert.match(html, /<ul class="contains-task-list" data-line="0">/);
    assert.match(html, /<li class="task-list-item" data-line="0"><input class="task-list-item-checkbox" checked disabled type="checkbox" \/> done<\/li>/);
    assert.match(html, /<input class="task-list-item-checkbox" disabled type="checkbox" \/> open/);
  });

  it('renders strikethrough, emphasis and autolinks', () => {
    const html = render('~~gone~~ *em* **strong** https://example.com\n');
    assert.match(html, /<s>gone<\/s>/);
    assert.match(html, /<em>em<\/em> <strong>strong<\/strong>/);
    assert.match(html, /<a href="https:\/\/example.com">https:\/\/example.com<\/a>/);
  });

  it('gives headings GitHub-style anchors, numbered when repeated', () => {
    const html = render('# Hello, World!\n\n## Hello, World!\n\n### Ünïcode & `code` — dash\n');
    assert.match(html, /<h1 id="hello-world" data-line="0">/);
    assert.match(html, /<h2 id="hello-world-1" data-line="2">/);
    assert.match(html, /<h3 id="ünïcode--code--dash" data-line="4">/);
  });
});

describe('docs renderer: source lines', () => {
  it('marks blocks with their 0-based source line', () => {
    const html = render('# Title\n\npara one\n\n> quote\n\n- item\n\n---\n\n    indented code\n');
    assert.match(html, /<h1 id="title" data-line="0">/);
    assert.match(html, /<p data-line="2">para one<\/p>/);
    assert.match(html, /<blockquote data-line="4">/);
    assert.match(html, /<li data-line="6">/);
    assert.match(html, /<hr data-line="8" \/>/);
    assert.match(html, /<pre data-line="10"><code>indented code/);
  });

  it('keeps source line numbers after front matter', () => {
    const html = render('---\ntitle: T\n---\n\n# After\n');
    assert.match(html, /<h1 id="after" data-line="4">/);
  });

  it('marks fences, chunks, math and diagrams with their line', () => {
    const html = render('```js\nx\n```\n\n```{r}\ny\n```\n\n$$\na\n$$\n\n```mermaid\ngraph TD\n```\n');
    assert.match(html, /<pre class="hljs" data-line="0">/);
    assert.match(html, /<div class="berth-chunk" data-line="4">/);
    assert.match(html, /<div class="berth-math" data-line="8">/);
    assert.match(html, /<div class="berth-mermaid" data-line="12">/);
  });
});

describe('docs renderer: code', () => {
  it('highlights fenced code at render time', () => {
    const html = render('```python\ndef f(x):\n    return "s"\n```\n');
    assert.match(html, /<pre class="hljs" data-line="0"><code class="hljs language-python">/);
    assert.match(html, /<span class="hljs-keyword">def<\/span>/);
    assert.match(html, /<span class="hljs-string">&quot;s&quot;<\/span>/);
  });

  it('escapes code in an unknown language and does not execute it as HTML', () => {
    const html = render('```nosuchlang\n<script>alert(1)</script>\n```\n');
    assert.match(html, /<code class="hljs language-nosuchlang">&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('drops a language class that is not a plain name', () => {
    const html = render('```"><img\nx\n```\n');
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /<code class="hljs">x/);
  });

  it('shows R Markdown chunks as highlighted code with engine, label and options', () => {
    const html = render('```{r setup, echo=FALSE, fig.cap="A, B"}\nx <- c(1, 2)\n```\n');
    assert.match(html, /<span class="berth-chunk-engine">r<\/span>/);
    assert.match(html, /<span class="berth-chunk-label">setup<\/span>/);
    assert.match(html, /<span class="berth-chunk-option">echo=FALSE<\/span>/);
    assert.match(html, /<span class="berth-chunk-option">fig.cap=&quot;A, B&quot;<\/span>/);
    assert.match(html, /<code class="hljs language-r">x <span class="hljs-operator">&lt;-<\/span>/);
  });

  it('highlights python, bash and sql chunks with their own language', () => {
    const html = render('```{python, echo=FALSE}\nimport os\n```\n\n```{bash}\necho hi\n```\n\n```{sql connection=con}\nSELECT 1\n```\n');
    assert.match(html, /language-python">.*<span class="hljs-keyword">import<\/span>/);
    assert.match(html, /language-bash">.*<span class="hljs-built_in">echo<\/span>/);
    assert.match(html, /language-sql">.*<span class="hljs-keyword">SELECT<\/span>/);
    assert.match(html, /<span class="berth-chunk-option">connection=con<\/span>/);
  });
});

describe('docs renderer: math', () => {
  it('renders inline and display math with KaTeX at render time', () => {
    const html = render('Euler: $e^{i\\pi}+1=0$\n\n$$\n\\int_0^1 x\\,dx\n$$\n');
    assert.match(html, /<span class="katex">/);
    assert.match(html, /<span class="katex-display">/);
    assert.match(html, /<annotation encoding="application\/x-tex">e\^\{i\\pi\}\+1=0<\/annotation>/);
  });

  it('renders $$…$$ written inside a paragraph as display math', () => {
    const html = render('before $$x^2$$ after\n');
    assert.match(html, /<span class="katex-display">/);
    assert.match(html, /data-berth-style="height:/);
    assert.doesNotMatch(html, / style="/);
  });

  it('moves KaTeX layout styles to data-berth-style for the script to apply (the CSP forbids style attributes)', () => {
    const html = render('$x^2$\n');
    assert.match(html, /data-berth-style="height:/);
    assert.doesNotMatch(html, / style="/);
  });

  it('shows a TeX error in place instead of failing the document', () => {
    const html = render('$\\frac{1$\n\nnext paragraph\n');
    assert.match(html, /katex-error/);
    assert.match(html, /next paragraph/);
  });

  it('does not let \\href in math create a javascript: link', () => {
    const html = withoutMathml(render('$\\href{javascript:alert(1)}{x}$\n'));
    assert.doesNotMatch(html, /href="javascript/i);
  });
});

describe('docs renderer: front matter and diagrams', () => {
  it('hides front matter and shows it as a small table', () => {
    const html = render('---\ntitle: "Report"\nauthor: [Ann, Bo]\noutput:\n  html_document:\n    toc: true\n---\n\nBody\n');
    assert.match(html, /^<table class="berth-front-matter" data-line="0">/);
    assert.match(html, /<tr><th>title<\/th><td>Report<\/td><\/tr>/);
    assert.match(html, /<tr><th>author<\/th><td>\[Ann, Bo\]<\/td><\/tr>/);
    assert.match(html, /<tr><th>output<\/th><td>\{html_document: \{toc: true\}\}<\/td><\/tr>/);
    assert.doesNotMatch(html, /<hr/);
    assert.match(html, /<p data-line="8">Body<\/p>/);
  });

  it('escapes front matter values', () => {
    const html = render('---\ntitle: "<img src=x onerror=alert(1)>"\n---\n');
    assert.match(html, /<td>&lt;img src=x onerror=alert\(1\)&gt;<\/td>/);
  });

  it('reports invalid front matter instead of hiding it silently', () => {
    const html = render('---\ntitle: [unclosed\n---\n\ntext\n');
    assert.match(html, /Front matter is not valid YAML/);
    assert.match(html, /<p data-line="4">text<\/p>/);
  });

  it('turns mermaid fences into diagram placeholders and reports that the document needs mermaid', () => {
    const result = renderer.render('```mermaid\ngraph TD; A-->B\n```\n', trusted);
    assert.equal(result.hasMermaid, true);
    assert.match(result.html, /<div class="berth-mermaid" data-line="0"><pre class="berth-mermaid-source">graph TD; A--&gt;B\n<\/pre><\/div>/);
  });

  it('does not ask for mermaid when there is no diagram', () => {
    assert.equal(renderer.render('# plain\n\n```js\nx\n```\n', trusted).hasMermaid, false);
  });
});

describe('docs renderer: links and images', () => {
  it('maps relative images through the injected mapper', () => {
    const seen: string[] = [];
    const html = render('![plot](../figures/plot.png) ![same](img/a%20b.png)\n', {
      allowHtml: true,
      mapImage: (src) => {
        seen.push(src);
        return `https://file.res.test/${src}`;
      },
    });
    assert.deepEqual(seen, ['../figures/plot.png', 'img/a%20b.png']);
    assert.match(html, /<img alt="plot" src="https:\/\/file.res.test\/..\/figures\/plot.png" \/>/);
  });

  it('maps images in raw HTML too', () => {
    const html = render('<img src="pic.png" alt="p" width="20">\n');
    assert.match(html, /<img alt="p" width="20" src="https:\/\/res.test\/doc\/pic.png" \/>/);
  });

  it('drops an image the mapper refuses (outside the workspace)', () => {
    const html = render('![x](../../../../etc/secret.png)\n', { allowHtml: true, mapImage: () => undefined });
    assert.match(html, /<img alt="x" \/>/);
  });

  it('keeps https images and leaves them to the CSP', () => {
    assert.match(render('![b](https://img.test/badge.png)\n'), /src="https:\/\/img.test\/badge.png"/);
  });

  it('keeps relative, anchor, mailto and https links as written for the preview script to route', () => {
    const html = render('[a](other.md#part) [b](#local) [c](mailto:x@y.test) [d](https://e.test/) [e](../src/main.py#L3)\n');
    assert.match(html, /<a href="other.md#part">a<\/a>/);
    assert.match(html, /<a href="#local">b<\/a>/);
    assert.match(html, /<a href="mailto:x@y.test">c<\/a>/);
    assert.match(html, /<a href="https:\/\/e.test\/">d<\/a>/);
    assert.match(html, /<a href="..\/src\/main.py#L3">e<\/a>/);
  });

  it('escapes link titles and image alt text', () => {
    const html = render('[x](a.md "t\\" onmouseover=\\"alert(1)") ![a" onerror="x](p.png)\n');
    assert.doesNotMatch(html, /onmouseover="/);
    assert.doesNotMatch(html, /onerror="/);
  });
});

describe('docs renderer: HTML and trust', () => {
  it('keeps safe raw HTML in a trusted workspace', () => {
    const html = render('<details><summary>More</summary>\n\nhidden *text*\n\n</details>\n\nH<sub>2</sub>O <kbd>Ctrl</kbd>\n');
    assert.match(html, /<details><summary>More<\/summary>/);
    assert.match(html, /<em>text<\/em>/);
    assert.match(html, /H<sub>2<\/sub>O <kbd>Ctrl<\/kbd>/);
  });

  it('shows raw HTML as text in an untrusted workspace', () => {
    const html = render('<b>bold</b> and <img src=x onerror=alert(1)>\n', { allowHtml: false, mapImage: () => undefined });
    assert.match(html, /&lt;b&gt;bold&lt;\/b&gt; and &lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /<b>/);
  });

  it('still renders Markdown, math and code in an untrusted workspace', () => {
    const html = render('# T\n\n$x$\n\n```r\nx\n```\n', { allowHtml: false, mapImage: () => undefined });
    assert.match(html, /<h1 id="t"/);
    assert.match(html, /class="katex"/);
    assert.match(html, /language-r/);
  });

  it('does not let a document forge the placeholders trusted HTML travels in', () => {
    const html = render('<berth-slot data-k="0-0"></berth-slot><berth-slot></berth-slot>\n\n```js\nx\n```\n');
    assert.equal((html.match(/<pre class="hljs"/g) ?? []).length, 1);
    assert.doesNotMatch(html, /berth-slot/);
  });

  it('gives a cached code block the line it has now, after lines were typed above it', () => {
    const fresh = new DocumentRenderer();
    const source = '```r\nx <- 1\n```\n\n$$\na\n$$\n';
    assert.match(fresh.render(source, trusted).html, /<pre class="hljs" data-line="0">[\s\S]*<div class="berth-math" data-line="4">/);
    assert.match(fresh.render(`new line\n\n${source}`, trusted).html, /<pre class="hljs" data-line="2">[\s\S]*<div class="berth-math" data-line="6">/);
  });

  it('drops a data-line written in raw HTML: every data-line in the preview is a real source line', () => {
    const html = render('<div data-line="99">x</div>\n\n<p data-line="7">y</p>\n');
    assert.doesNotMatch(html, /data-line="(99|7)"/);
    assert.match(html, /<div>x<\/div>/);
    assert.doesNotMatch(html, /data-berth-line/);
  });

  it('renders the same source to the same HTML every time', () => {
    const source = '# A\n\n$x$\n\n```{r}\n1\n```\n\n| a |\n|---|\n| b |\n';
    assert.equal(render(source), render(source));
  });
});
