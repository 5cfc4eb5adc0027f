// The only script of the knitted / exported HTML panel (loaded with the page's nonce; the document's own scripts
// are kept out by the content security policy). Every link click is Berth's to handle, as in the docs preview:
// VS Code's own webview link handling would open the link's resolved URL (a new browser tab with a 404 for a
// relative link in VS Code in the browser).
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  function scrollToFragment(fragment) {
    const target = document.getElementById(fragment) || document.getElementsByName(fragment)[0];
    if (target) target.scrollIntoView();
  }
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const link = target && target.closest('a[href]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const href = link.getAttribute('href');
    if (href.startsWith('#')) {
      let fragment = href.slice(1);
      try {
        fragment = decodeURIComponent(fragment);
      } catch {
        // keep the raw fragment
      }
      scrollToFragment(fragment);
      return;
    }
    vscode.postMessage({ type: 'openLink', href });
  }, true);
  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message && message.type === 'scrollToFragment' && typeof message.fragment === 'string') scrollToFragment(message.fragment);
  });
})();
