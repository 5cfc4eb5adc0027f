import { randomBytes } from 'node:crypto';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import anchor from 'markdown-it-anchor';
import taskLists from 'markdown-it-task-lists';
import katexPlugin from '@vscode/markdown-it-katex';
import { closeOpenElements } from './closeOpenElements';
import { escapeHtml } from './escapeHtml';
import { splitFrontMatter, type FrontMatter } from './frontMatter';
import { githubSlug } from './githubSlug';
import { RenderCache } from './renderCache';
import { languageOfEngine, parseRmdChunkHeader } from './rmdChunk';
import { sanitizePreviewHtml, SLOT_TAG, type ImageMapper } from './sanitizePreviewHtml';

export interface RenderOptions {
  /** Raw HTML in the Markdown: sanitised when true, shown as text when false (untrusted workspaces). */
  readonly allowHtml: boolean;
  /** Maps relative image paths to URLs the preview can load; undefined drops the image. */
  readonly mapImage: ImageMapper;
}

export interface RenderedDocument {
  /** The preview body: sanitised HTML whose blocks carry `data-line` (0-based source line). */
  readonly html: string;
  /** The document has a mermaid diagram, so the preview must load the mermaid script. */
  readonly hasMermaid: boolean;
}

/** The env markdown-it hands to every rule of one render. */
interface RenderEnv {
  /** Trusted HTML produced by Berth's own rules, spliced in after sanitising. */
  slots: string[];
  /** Random per render, so placeholders written in the document itself never match. */
  readonly slotKey: string;
  hasMermaid: boolean;
}

const BLOCK_TOKENS_WITH_LINES = new Set([
  'paragraph_open', 'heading_open', 'blockquote_open', 'bullet_list_open', 'ordered_list_open', 'list_item_open',
  'table_open', 'tr_open', 'hr', 'code_block', 'dl_open', 'dt_open', 'dd_open',
]);

/** KaTeX guards: no \href/\url/\html* commands, bounded macro expansion and sizes. */
const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', maxSize: 50, maxExpand: 1000, output: 'htmlAndMathml' };

/**
 * Renders Markdown and R Markdown for the docs preview. Pure: the same source and options give the same HTML
 * (apart from the per-render slot key, which never reaches the output). Two markdown-it instances, built once,
 * share a cache of rendered code blocks and formulas.
 */
export class DocumentRenderer {
  /** Highlighted code and typeset math, by source: the expensive parts, unchanged between keystrokes. */
  private readonly cache = new RenderCache();
  private readonly withHtml = createMarkdownIt(true, this.cache);
  private readonly withoutHtml = createMarkdownIt(false, this.cache);

  render(source: string, options: RenderOptions): RenderedDocument {
    const { frontMatter, body } = splitFrontMatter(source);
    const env: RenderEnv = { slots: [], slotKey: randomBytes(9).toString('hex'), hasMermaid: false };
    const md = options.allowHtml ? this.withHtml : this.withoutHtml;
    const tokens = md.parse(body, env);
    // Raw HTML may leave elements open: close them per top-level block, so one bad block cannot hide the rest.
    let html = options.allowHtml && tokens.some(hasRawHtml) ? closeOpenElements(renderBlocks(md, tokens, env)) : md.renderer.render(tokens, md.options, env);
    this.cache.endRender();
    if (frontMatter) html = `${slot(env, renderFrontMatter(frontMatter))}\n${html}`;
    const sanitized = sanitizePreviewHtml(html, options.mapImage);
    return { html: fillSlots(sanitized, env), hasMermaid: env.hasMermaid };
  }
}

function hasRawHtml(token: Token): boolean {
  return token.type === 'html_block' || (token.type === 'inline' && (token.children ?? []).some((c) => c.type === 'html_inline'));
}

/** The HTML of each top-level block (a token at level 0, or an open token through its close), in order. */
function renderBlocks(md: MarkdownIt, tokens: Token[], env: RenderEnv): string[] {
  const blocks: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const start = i;
    let depth = tokens[i++].nesting;
    while (depth > 0 && i < tokens.length) depth += tokens[i++].nesting;
    blocks.push(md.renderer.render(tokens.slice(start, i), md.options, env));
  }
  return blocks;
}

function createMarkdownIt(html: boolean, cache: RenderCache): MarkdownIt {
  const md = new MarkdownIt({ html, linkify: true, typographer: false });
  md.use(anchor, { slugify: githubSlug, tabIndex: false });
  md.use(taskLists, { enabled: false });
  md.use(katexPlugin, KATEX_OPTIONS);
  md.core.ruler.push('berth_source_lines', (state) => {
    for (const token of state.tokens) {
      if (token.map && BLOCK_TOKENS_WITH_LINES.has(token.type)) token.attrSet('data-line', String(token.map[0]));
      if (token.type === 'th_open' || token.type === 'td_open') alignmentToClass(token);
    }
    return true;
  });

  const mathInline = md.renderer.rules.math_inline;
  const mathBlock = md.renderer.rules.math_block;
  const mathInlineBlock = md.renderer.rules.math_inline_block;
  if (!mathInline || !mathBlock || !mathInlineBlock) throw new Error('markdown-it-katex did not install its math renderers');
  md.renderer.rules.math_inline = (tokens, idx, opts, env: RenderEnv, self) =>
    slot(env, cache.get(`$\0${tokens[idx].content}`, () => movedStyles(mathInline(tokens, idx, opts, env, self))));
  // `$$…$$` inside a paragraph line: display math, without a line of its own.
  md.renderer.rules.math_inline_block = (tokens, idx, opts, env: RenderEnv, self) =>
    slot(env, cache.get(`$$i\0${tokens[idx].content}`, () => movedStyles(mathInlineBlock(tokens, idx, opts, env, self))));
  md.renderer.rules.math_block = (tokens, idx, opts, env: RenderEnv, self) => {
    const line = tokens[idx].map?.[0];
    const inner = cache.get(`$$\0${tokens[idx].content}`, () => movedStyles(mathBlock(tokens, idx, opts, env, self)));
    return slot(env, `<div class="berth-math"${lineAttr(line)}>${inner}</div>`) + '\n';
  };
  md.renderer.rules.fence = (tokens, idx, _opts, env: RenderEnv) => {
    const token = tokens[idx];
    const line = token.map?.[0];
    if (isMermaid(token.info)) env.hasMermaid = true;
    const html = cache.get(`\`\0${token.info}\0${token.content}`, () => renderFence(token));
    // The cached block has no line number (the same block moves as lines are typed above it): add it here.
    return slot(env, line === undefined ? html : html.replace(/^<(\w+) class="([\w -]+)"/, `<$1 class="$2"${lineAttr(line)}`)) + '\n';
  };
  return md;
}

/** markdown-it aligns table cells with a style attribute, which the CSP forbids; use a class instead. */
function alignmentToClass(token: Token): void {
  const style = token.attrGet('style');
  const align = style && /text-align:\s*(left|center|right)/.exec(style)?.[1];
  if (!style) return;
  token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
  if (align) token.attrJoin('class', `berth-align-${align}`);
}

function isMermaid(info: string): boolean {
  return info.trim().split(/\s+/)[0].toLowerCase() === 'mermaid';
}

/** A fence as HTML whose first element has a class attribute (the fence rule adds the source line after it). */
function renderFence(token: Token): string {
  const info = token.info.trim();
  const chunk = parseRmdChunkHeader(info);
  if (!chunk && isMermaid(info)) {
    return `<div class="berth-mermaid"><pre class="berth-mermaid-source">${escapeHtml(token.content)}</pre></div>`;
  }
  if (chunk) {
    const options = chunk.options
      .map(({ key, value }) => `<span class="berth-chunk-option">${escapeHtml(value ? `${key}=${value}` : key)}</span>`)
      .join('');
    const label = chunk.label ? `<span class="berth-chunk-label">${escapeHtml(chunk.label)}</span>` : '';
    return (
      `<div class="berth-chunk">` +
      `<div class="berth-chunk-header"><span class="berth-chunk-engine">${escapeHtml(chunk.engine)}</span>${label}${options}</div>` +
      codeBlock(token.content, languageOfEngine(chunk.engine)) +
      `</div>`
    );
  }
  const language = info.split(/[\s{]/)[0];
  return codeBlock(token.content, language);
}

function codeBlock(code: string, language: string): string {
  const lang = language.toLowerCase();
  const known = lang !== '' && hljs.getLanguage(lang) !== undefined;
  const body = known ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code);
  const langClass = /^[\w+#.-]+$/.test(lang) ? ` language-${escapeHtml(lang)}` : '';
  return `<pre class="hljs"><code class="hljs${langClass}">${body}</code></pre>`;
}

function renderFrontMatter(frontMatter: FrontMatter): string {
  const rows = frontMatter.entries
    ? frontMatter.entries.map(({ key, value }) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')
    : `<tr><td class="berth-front-matter-error">Front matter is not valid YAML: ${escapeHtml(frontMatter.error ?? '')}</td></tr>`;
  return `<table class="berth-front-matter" data-line="0"><tbody>${rows}</tbody></table>`;
}

/**
 * KaTeX positions glyphs with style attributes, which the CSP's style-src forbids; the preview script
 * applies them through CSSOM instead. KaTeX escapes attribute values, so the rename cannot touch text.
 */
function movedStyles(katexHtml: string): string {
  return katexHtml.replace(/ style="/g, ' data-berth-style="');
}

function lineAttr(line: number | undefined): string {
  return line === undefined ? '' : ` data-line="${line}"`;
}

/** Sets trusted HTML aside under a placeholder element that the sanitiser lets through unchanged. */
function slot(env: RenderEnv, html: string): string {
  env.slots.push(html);
  return `<${SLOT_TAG} data-k="${env.slotKey}-${env.slots.length - 1}"></${SLOT_TAG}>`;
}

/** Puts the trusted HTML back; placeholders with any other key (written by the document) vanish. */
function fillSlots(html: string, env: RenderEnv): string {
  const pattern = new RegExp(`<${SLOT_TAG}(?: data-k="([^"]*)")?></${SLOT_TAG}>`, 'g');
  const prefix = `${env.slotKey}-`;
  return html.replace(pattern, (_match, k: string | undefined) => {
    if (!k?.startsWith(prefix)) return '';
    const index = Number(k.slice(prefix.length));
    return Number.isInteger(index) && index >= 0 && index < env.slots.length ? env.slots[index] : '';
  });
}
