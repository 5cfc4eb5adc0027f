import type MarkdownIt from 'markdown-it';
import { createMarkdownIt, type RenderOptions, type RenderedDocument } from './markdownBlocks';
import { PreviewDocument } from './previewDocument';
import { RenderCache } from './renderCache';

export type { RenderOptions, RenderedDocument } from './markdownBlocks';

/**
 * Renders Markdown and R Markdown for the docs preview. Pure: the same source and options give the same HTML
 * (apart from the per-render slot key, which never reaches the output). Two markdown-it instances, built once;
 * `render` keeps a cache of rendered code blocks and formulas between calls. PreviewDocument renders a document
 * block by block with the same instances, for the preview that is patched while typing.
 */
export class DocumentRenderer {
  /** Highlighted code and typeset math, by source: the expensive parts, unchanged between keystrokes. */
  private readonly cache = new RenderCache();
  private readonly withHtml = createMarkdownIt(true);
  private readonly withoutHtml = createMarkdownIt(false);

  markdownIt(allowHtml: boolean): MarkdownIt {
    return allowHtml ? this.withHtml : this.withoutHtml;
  }

  /** The whole document at once: what a PreviewDocument shows of it after its first update. */
  render(source: string, options: RenderOptions): RenderedDocument {
    const document = new PreviewDocument(this, options, this.cache);
    const { hasMermaid } = document.update(source);
    this.cache.endRender();
    return { html: document.html, hasMermaid };
  }
}

