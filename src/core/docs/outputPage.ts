import { escapeHtml } from './escapeHtml';

export interface OutputPageOptions {
  /** The webview's `cspSource`: files beside the output load through it. */
  readonly cspSource: string;
  /** Where relative URLs of the document resolve: the webview URI of its folder, ending in `/`. */
  readonly baseUri: string;
}

/**
 * A built HTML document made safe to show: a content security policy with no script-src (no script runs, inline
 * or loaded, whatever the document says; a second policy in the document can only narrow this one) and a <base>
 * for the files beside it, both put first in <head> so they apply before anything loads.
 */
export function outputPageHtml(html: string, options: OutputPageOptions): string {
  const source = options.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${source} data: https:`,
    `style-src ${source} 'unsafe-inline'`,
    `font-src ${source} data:`,
    `media-src ${source} data:`,
  ].join('; ');
  const head = `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"><base href="${escapeHtml(options.baseUri)}">`;
  for (const opening of [/<head(?:\s[^>]*)?>/i, /<html(?:\s[^>]*)?>/i, /<!doctype[^>]*>/i]) {
    const match = opening.exec(html);
    if (match) {
      const at = match.index + match[0].length;
      return `${html.slice(0, at)}${opening.source.startsWith('<head') ? head : `<head>${head}</head>`}${html.slice(at)}`;
    }
  }
  return `<head>${head}</head>${html}`;
}
