import { escapeHtml } from './escapeHtml';

/**
 * rmarkdown's HTML gives tables their Bootstrap classes with a script, which does not run here: cells of a table
 * without a class get the spacing it would have had. First in <head>, so the document's own styles win.
 */
const BARE_TABLES = '<style>table:not([class]) th, table:not([class]) td { padding: 0.25em 0.6em; }</style>';

export interface OutputPageOptions {
  /** The webview's `cspSource`: files beside the output load through it. */
  readonly cspSource: string;
  /** Where relative URLs of the document resolve: the webview URI of its folder, ending in `/`. */
  readonly baseUri: string;
  /** A fresh nonce for this page: only Berth's link script carries it. */
  readonly nonce: string;
  /** Berth's link script (media/docs/output.js). */
  readonly scriptUri: string;
}

/**
 * A built HTML document made safe to show: a content security policy whose only script is Berth's, by nonce (none
 * of the document's scripts runs, inline, loaded or as an event handler, whatever the document says; a second
 * policy in the document can only narrow this one) and a <base> for the files beside it, both put first in
 * <head> so they apply before anything loads.
 */
export function outputPageHtml(html: string, options: OutputPageOptions): string {
  const source = options.cspSource;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${options.nonce}'`,
    `img-src ${source} data: https:`,
    `style-src ${source} 'unsafe-inline'`,
    `font-src ${source} data:`,
    `media-src ${source} data:`,
  ].join('; ');
  const head =
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"><base href="${escapeHtml(options.baseUri)}">${BARE_TABLES}` +
    `<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>`;
  for (const opening of [/<head(?:\s[^>]*)?>/i, /<html(?:\s[^>]*)?>/i, /<!doctype[^>]*>/i]) {
    const match = opening.exec(html);
    if (match) {
      const at = match.index + match[0].length;
      return `${html.slice(0, at)}${opening.source.startsWith('<head') ? head : `<head>${head}</head>`}${html.slice(at)}`;
    }
  }
  return `<head>${head}</head>${html}`;
}
