// The docs preview's only script (loaded with the page's nonce). It patches updates in place, applies KaTeX's
// layout through CSSOM (the CSP forbids style attributes), renders mermaid diagrams, syncs scrolling by source
// line and hands every link click to the extension, which decides what may open.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const nonce = document.currentScript ? document.currentScript.nonce : '';
  const root = document.getElementById('berth-preview');
  /**
   * The page's units by id (a top-level block, or blocks raw HTML holds together): their top-level nodes and first
   * source line. An update names every unit in order and brings only the new ones; the others stay in the DOM.
   */
  const units = new Map();
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

  /** The units in unit templates (`<template data-unit="ID" data-line="LINE">`), by id. */
  function unpack(content) {
    const found = new Map();
    for (const wrapper of content.children) {
      if (wrapper.localName !== 'template' || !wrapper.hasAttribute('data-unit')) continue;
      found.set(Number(wrapper.dataset.unit), { nodes: [...wrapper.content.childNodes], line: Number(wrapper.dataset.line) });
    }
    return found;
  }

  /** Moves a kept unit's source lines by `shift` (lines typed or deleted above it). */
  function shiftLines(nodes, shift) {
    for (const node of nodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      for (const el of [node, ...node.querySelectorAll('[data-line]')]) {
        if (el.hasAttribute('data-line')) el.setAttribute('data-line', String(Number(el.getAttribute('data-line')) + shift));
      }
    }
  }

  /**
   * Brings the page to `order` ([id, line] of every unit): units it no longer names go, new ones (from `fresh`) go
   * in their place, kept ones stay untouched in the DOM (no relayout of the rest, rendered diagrams and images
   * kept, scroll position kept) and only take their new source lines.
   */
  function patch(order, fresh) {
    const wanted = new Set(order.map(([id]) => id));
    for (const [id, unit] of units) {
      if (wanted.has(id)) continue;
      for (const node of unit.nodes) node.remove();
      units.delete(id);
    }
    const inserted = [];
    let before = null;
    for (let i = order.length - 1; i >= 0; i--) {
      const [id, line] = order[i];
      let unit = units.get(id);
      if (!unit) {
        unit = { nodes: (fresh.get(id) || { nodes: [] }).nodes, line };
        units.set(id, unit);
        const fragment = document.createDocumentFragment();
        fragment.append(...unit.nodes);
        root.insertBefore(fragment, before);
        inserted.push(...unit.nodes);
      } else if (unit.line !== line) {
        shiftLines(unit.nodes, line - unit.line);
        unit.line = line;
      }
      if (unit.nodes.length > 0) before = unit.nodes[0];
    }
    for (const node of inserted) {
      if (node.nodeType === Node.ELEMENT_NODE) applyDeferredStyles(node);
    }
  }

  /** Shows the first render, unpacked from the inert template before anything decorates it. */
  function showInitialBody() {
    const body = document.getElementById('berth-body');
    if (!body) return;
    const fresh = unpack(body.content);
    patch([...fresh].map(([id, unit]) => [id, unit.line]), fresh);
    body.remove();
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
    if (message.type === 'patch' && typeof message.html === 'string' && Array.isArray(message.units)) {
      // Timings in the webview's performance timeline (devtools, and the keystroke benchmark read them).
      const received = performance.mark('berth-update-received');
      const template = document.createElement('template');
      template.innerHTML = message.html;
      if (message.reset) {
        for (const unit of units.values()) for (const node of unit.nodes) node.remove();
        units.clear();
      }
      patch(message.units, unpack(template.content));
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
  const initialMermaid = document.querySelector('script[src*="mermaid"]');
  void renderDiagrams(initialMermaid ? initialMermaid.src : undefined);
  if (root.dataset.fragment) scrollToFragment(root.dataset.fragment);
  vscode.postMessage({ type: 'loaded', version: Number(root.dataset.version) });
  vscode.postMessage({ type: 'patched', version: Number(root.dataset.version) });
})();
