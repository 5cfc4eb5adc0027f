import { escapeHtml } from './escapeHtml';

export interface PreviewPageParts {
  /** webview.cspSource */
  readonly cspSource: string;
  /** Fresh for every page. */
  readonly nonce: string;
  readonly styleUris: readonly string[];
  readonly scriptUri: string;
  /** Present only when the document has a mermaid diagram. */
  readonly mermaidUri?: string;
  /** The body as unit templates (unitTemplates). */
  readonly bodyHtml: string;
  readonly version: number;
  /** Persisted by the webview so the panel can be restored after a reload. */
  readonly documentUri: string;
  readonly title: string;
  /** Scroll to this heading id once loaded (a link to `other.md#section`). */
  readonly fragment?: string;
}

/** The content security policy of the preview: nothing but the extension's media, https images and nonce'd code. */
export function previewCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} https: data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/**
 * The whole webview document. Every interpolated value is escaped; the body is already sanitised HTML. It arrives
 * in an inert <template> that the preview script copies into the page: the webview host decorates live links
 * (titles), and later updates are compared with the body as rendered, not as decorated.
 */
export function previewPage(parts: PreviewPageParts): string {
  const nonce = escapeHtml(parts.nonce);
  const styles = parts.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeHtml(uri)}" nonce="${nonce}">`).join('\n');
  const mermaid = parts.mermaidUri ? `<script nonce="${nonce}" src="${escapeHtml(parts.mermaidUri)}"></script>\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(previewCsp(parts.cspSource, parts.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(parts.title)}</title>
${styles}
</head>
<body>
<main id="berth-preview" class="berth-preview" data-version="${parts.version}" data-document="${escapeHtml(parts.documentUri)}" data-fragment="${escapeHtml(parts.fragment ?? '')}"></main>
<template id="berth-body">${parts.bodyHtml}</template>
${mermaid}<script nonce="${nonce}" src="${escapeHtml(parts.scriptUri)}"></script>
</body>
</html>`;
}

/**
 * Units of the preview body, each in an inert `<template data-unit="ID" data-line="LINE">` that the preview script
 * unpacks and keeps by id. Sanitised HTML has no <template> of its own, so a unit cannot end its wrapper early.
 */
export function unitTemplates(units: readonly (readonly [number, number])[], html: readonly (readonly [number, string])[]): string {
  const lines = new Map(units);
  return html.map(([id, body]) => `<template data-unit="${id}" data-line="${lines.get(id) ?? 0}">${body}</template>`).join('');
}
