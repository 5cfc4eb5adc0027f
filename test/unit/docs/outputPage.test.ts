import { strict as assert } from 'assert';
import { outputPageHtml } from '../../../src/core/docs/outputPage';

const options = { cspSource: 'https://res.test', baseUri: 'https://res.test/ws/docs/' };
const CSP = /^<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src https:\/\/res\.test data: https:; style-src https:\/\/res\.test &#39;unsafe-inline&#39;; font-src https:\/\/res\.test data:; media-src https:\/\/res\.test data:"><base href="https:\/\/res\.test\/ws\/docs\/">/;

describe('knitted and exported HTML in the output panel', () => {
  it('puts a policy without script-src and a base first in the head', () => {
    const html = outputPageHtml('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><script>alert(1)</script></head><body>x</body></html>', options);
    const head = html.slice(html.indexOf('<head>') + '<head>'.length);
    assert.match(head, CSP);
    assert.doesNotMatch(html.match(/content="([^"]*)"/)?.[1] ?? '', /script-src/);
    assert.ok(html.startsWith('<!DOCTYPE html>'), 'the doctype stays first (no quirks mode)');
  });
  it('adds a head to a document that has none, after <html> or the doctype', () => {
    assert.match(outputPageHtml('<html><body>x</body></html>', options), /^<html><head><meta http-equiv/);
    assert.match(outputPageHtml('<!doctype html><p>x</p>', options), /^<!doctype html><head><meta http-equiv/);
    assert.match(outputPageHtml('<p>x</p>', options), /^<head><meta http-equiv.*<\/head><p>x<\/p>$/);
  });
  it('does not mistake <header> for <head>', () => {
    assert.match(outputPageHtml('<html><header>h</header></html>', options), /^<html><head><meta/);
  });
  it('escapes the base URI', () => {
    assert.match(outputPageHtml('<head></head>', { ...options, baseUri: 'https://res.test/a"b/' }), /<base href="https:\/\/res\.test\/a&quot;b\/">/);
  });
});
