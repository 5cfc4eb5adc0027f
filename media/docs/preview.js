// The docs preview's only script (loaded with the page's nonce). It patches updates in place, applies KaTeX's
// layout through CSSOM (the CSP forbids style attributes), renders mermaid diagrams, syncs scrolling by source
// line and hands every link click to the extension, which decides what may open.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const nonce = document.currentScript ? document.currentScript.nonce : '';
  const root = document.getElementById('berth-preview');
  /** The rendered HTML of each top-level node, so unchanged blocks (and their rendered diagrams) survive an update. */
  const sourceOf = new WeakMap();
  let mermaidLoading;
  let ignoreScrollUntil = 0;

  vscode.setState({ documentUri: root.dataset.document });

  /** KaTeX's layout arrives as data-berth-style (the CSP blocks style attributes); CSSOM is allowed. */
  function applyDeferredStyles(scope) {
    const own = scope.matches('[data-berth-style]') ? [scope] : [];
    for (const el of [...own, ...scope.querySelectorAll('[data-berth-style]')]) {
      el.style.cssText = el.getAttribute('data-berth-style');
      el.removeAttribute('data-berth-style');
    }
  }

  /** Shows the first render: its blocks' keys come from the inert template, before anything decorates them. */
  function showInitialBody() {
    const body = document.getElementById('berth-body');
    if (!body) return;
    const nodes = [...body.content.childNodes];
    for (const node of nodes) sourceOf.set(node, sourceKey(node));
    root.append(...nodes);
    body.remove();
  }

  /** A block's HTML as rendered, and the same without source lines (an Enter above shifts every line below). */
  function sourceKey(node) {
    const html = node.nodeType === Node.ELEMENT_NODE ? node.outerHTML : `#${node.nodeType}:${node.textContent}`;
    return { html, key: html.replace(/ data-line="\d+"/g, '') };
  }

  function lineCarriers(node) {
    return node.nodeType === Node.ELEMENT_NODE ? [node, ...node.querySelectorAll('[data-line]')] : [];
  }

  /** Gives a kept block the source lines of its new rendering (same structure, lines shifted). */
  function moveLines(kept, fresh, source) {
    if (sourceOf.get(kept).html === source.html) return;
    const from = lineCarriers(fresh);
    lineCarriers(kept).forEach((el, i) => {
      const line = from[i] && from[i].getAttribute('data-line');
      if (line !== null && line !== undefined) el.setAttribute('data-line', line);
    });
    sourceOf.set(kept, source);
  }

  /**
   * Replaces only the run of top-level blocks that changed: blocks before and after it stay in the DOM untouched
   * (no relayout of the whole document, no flicker, rendered diagrams and images kept, scroll position kept).
   */
  function patch(html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    const next = [...template.content.childNodes];
    const nextSources = next.map(sourceKey);
    const current = [...root.childNodes];
    const currentKeys = current.map((node) => (sourceOf.get(node) || sourceKey(node)).key);
    let head = 0;
    while (head < current.length && head < next.length && currentKeys[head] === nextSources[head].key) head++;
    let tail = 0;
    while (
      tail < current.length - head &&
      tail < next.length - head &&
      currentKeys[current.length - 1 - tail] === nextSources[next.length - 1 - tail].key
    ) {
      tail++;
    }
    for (let i = 0; i < head; i++) moveLines(current[i], next[i], nextSources[i]);
    for (let i = 1; i <= tail; i++) moveLines(current[current.length - i], next[next.length - i], nextSources[next.length - i]);
    const anchor = current[current.length - tail] || null;
    for (const node of current.slice(head, current.length - tail)) node.remove();
    const inserted = next.slice(head, next.length - tail);
    inserted.forEach((node, i) => sourceOf.set(node, nextSources[head + i]));
    const fragment = document.createDocumentFragment();
    fragment.append(...inserted);
    root.insertBefore(fragment, anchor);
    for (const node of inserted) {
      if (node.nodeType === Node.ELEMENT_NODE) applyDeferredStyles(node);
    }
  }

  function loadMermaid(uri) {
    if (window.mermaid) return Promise.resolve();
    if (!mermaidLoading) {
      mermaidLoading = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.nonce = nonce;
        script.src = uri;
        script.onload = resolve;
        script.onerror = () => reject(new Error('mermaid did not load'));
        document.body.appendChild(script);
      });
    }
    return mermaidLoading;
  }

  function themeName() {
    const cls = document.body.classList;
    if (cls.contains('vscode-high-contrast') && !cls.contains('vscode-high-contrast-light')) return 'dark';
    return cls.contains('vscode-dark') ? 'dark' : 'default';
  }

  let diagramCount = 0;
  /** Mermaid's SVG carries <style> and style attributes: nonce the one, move the others to CSSOM. */
  function insertSvg(container, svgText) {
    const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = parsed.documentElement;
    if (!svg || svg.nodeName.toLowerCase() !== 'svg') return false;
    for (const el of svg.querySelectorAll('script, foreignObject script')) el.remove();
    const styled = [];
    for (const el of [svg, ...svg.querySelectorAll('[style]')]) {
      if (el.hasAttribute('style')) {
        styled.push([el, el.getAttribute('style')]);
        el.removeAttribute('style');
      }
    }
    for (const style of svg.querySelectorAll('style')) style.setAttribute('nonce', nonce);
    const imported = document.importNode(svg, true);
    const importedStyled = [imported, ...imported.querySelectorAll('*')];
    const originals = [svg, ...svg.querySelectorAll('*')];
    container.replaceChildren(imported);
    for (const [el, css] of styled) {
      const copy = importedStyled[originals.indexOf(el)];
      if (copy) copy.style.cssText = css;
    }
    return true;
  }

  async function renderDiagrams(mermaidUri) {
    const pending = [...root.querySelectorAll('.berth-mermaid:not([data-rendered])')];
    if (pending.length === 0 || !mermaidUri) return;
    await loadMermaid(mermaidUri);
    // SVG text labels: HTML labels are sized through style attributes, which the CSP blocks, and come out clipped.
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: themeName(),
      htmlLabels: false,
      flowchart: { htmlLabels: false },
      fontFamily: getComputedStyle(document.body).fontFamily,
    });
    for (const el of pending) {
      const source = el.querySelector('.berth-mermaid-source');
      if (!source || !el.isConnected) continue;
      el.setAttribute('data-rendered', 'true');
      try {
        const { svg } = await window.mermaid.render(`berth-mermaid-${++diagramCount}`, source.textContent);
        const holder = document.createElement('div');
        holder.className = 'berth-mermaid-diagram';
        if (insertSvg(holder, svg)) el.appendChild(holder);
        source.hidden = true;
      } catch (error) {
        const message = document.createElement('div');
        message.className = 'berth-mermaid-error';
        message.textContent = `Mermaid: ${error && error.message ? error.message : String(error)}`;
        el.appendChild(message);
      }
    }
    // Mermaid measures text in scratch nodes it leaves behind.
    for (const stray of document.querySelectorAll('body > [id^="dberth-mermaid-"]')) stray.remove();
  }

  // Scroll sync by source line: blocks carry data-line (0-based).
  function lineElements() {
    return [...root.querySelectorAll('[data-line]')].filter((el) => el.offsetParent !== null || el === root);
  }

  function scrollToLine(line) {
    const elements = lineElements();
    let before;
    let after;
    for (const el of elements) {
      const l = Number(el.dataset.line);
      if (l <= line) before = el;
      else {
        after = el;
        break;
      }
    }
    if (!before) {
      ignoreScrollUntil = Date.now() + 100;
      window.scrollTo(0, 0);
      return;
    }
    const top = before.getBoundingClientRect().top + window.scrollY;
    let y = top;
    if (after) {
      const startLine = Number(before.dataset.line);
      const endLine = Number(after.dataset.line);
      const nextTop = after.getBoundingClientRect().top + window.scrollY;
      y = top + ((line - startLine) / Math.max(1, endLine - startLine)) * (nextTop - top);
    }
    ignoreScrollUntil = Date.now() + 100;
    window.scrollTo(0, Math.max(0, y - 4));
  }

  function lineAtOffset(offsetY) {
    const elements = lineElements();
    let best;
    for (const el of elements) {
      const rect = el.getBoundingClientRect();
      if (rect.top + window.scrollY <= offsetY + 1) best = el;
      else break;
    }
    if (!best) return 0;
    const index = elements.indexOf(best);
    const next = elements[index + 1];
    const line = Number(best.dataset.line);
    if (!next) return line;
    const top = best.getBoundingClientRect().top + window.scrollY;
    const nextTop = next.getBoundingClientRect().top + window.scrollY;
    const fraction = nextTop > top ? (offsetY - top) / (nextTop - top) : 0;
    return Math.floor(line + Math.max(0, fraction) * (Number(next.dataset.line) - line));
  }

  let scrollQueued = false;
  window.addEventListener('scroll', () => {
    if (Date.now() < ignoreScrollUntil || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      vscode.postMessage({ type: 'previewScrolled', line: lineAtOffset(window.scrollY) });
    });
  }, { passive: true });

  document.addEventListener('dblclick', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const block = target && target.closest('[data-line]');
    if (block) vscode.postMessage({ type: 'revealLine', line: Number(block.dataset.line) });
  });

  function scrollToFragment(fragment) {
    const target = document.getElementById(fragment) || document.getElementsByName(fragment)[0];
    if (target) target.scrollIntoView();
  }

  // Capture phase, and the click stops here: VS Code's webview host listens for clicks on this window too and
  // opens every link's resolved URL itself (in the browser, a refused or relative link became a new tab showing
  // the server's 404). Berth alone decides what a link opens.
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
    if (!message || typeof message !== 'object') return;
    if (message.type === 'update' && typeof message.html === 'string') {
      // Timings in the webview's performance timeline (devtools, and the keystroke benchmark read them).
      const received = performance.mark('berth-update-received');
      patch(message.html);
      performance.measure('berth-patch', { start: received.startTime });
      root.dataset.version = String(message.version);
      if (typeof message.title === 'string') document.title = message.title;
      vscode.postMessage({ type: 'patched', version: message.version });
      void renderDiagrams(message.mermaidUri);
    } else if (message.type === 'scrollToLine' && typeof message.line === 'number') {
      scrollToLine(message.line);
    } else if (message.type === 'scrollToFragment' && typeof message.fragment === 'string') {
      scrollToFragment(message.fragment);
    }
  });

  // A theme change recolours diagrams: render them again with the matching mermaid theme.
  new MutationObserver(() => {
    for (const el of root.querySelectorAll('.berth-mermaid[data-rendered]')) {
      el.removeAttribute('data-rendered');
      for (const child of el.querySelectorAll('.berth-mermaid-diagram, .berth-mermaid-error')) child.remove();
      const source = el.querySelector('.berth-mermaid-source');
      if (source) source.hidden = false;
    }
    const mermaidScript = document.querySelector('script[src*="mermaid"]');
    void renderDiagrams(mermaidScript ? mermaidScript.src : undefined);
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  showInitialBody();
  applyDeferredStyles(root);
  const initialMermaid = document.querySelector('script[src*="mermaid"]');
  void renderDiagrams(initialMermaid ? initialMermaid.src : undefined);
  if (root.dataset.fragment) scrollToFragment(root.dataset.fragment);
  vscode.postMessage({ type: 'patched', version: Number(root.dataset.version) });
})();
