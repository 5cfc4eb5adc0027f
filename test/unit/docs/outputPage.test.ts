import { strict as assert } from 'assert';
import { outputPageHtml } from '../../../src/core/docs/outputPage';

const options = { cspSource: 'https://res.test', baseUri: 'https://res.test/ws/docs/', nonce: 'n0nce', scriptUri: 'https://res.test/media/docs/output.js' };
const policy = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';

describe('knitted and exported HTML in the output panel', () => {
  it('puts a policy that admits only Berth\'s script by nonce, then a base, first in the head', () => {
    const html = outputPageHtml('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><script>alert(1)</script></head><body>x</body></html>', options);
    assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en"><head><meta http-equiv="Content-Security-Policy"'), 'the policy comes first, the doctype stays first');
    assert.equal(
      policy(html),
      "default-src 'none'; script-src 'nonce-n0nce'; img-src https://res.test data: https:; style-src https://res.test 'unsafe-inline'; font-src https://res.test data:; media-src https://res.test data:",
    );
    assert.match(html, /<base href="https:\/\/res\.test\/ws\/docs\/">/);
    assert.match(html, /<script nonce="n0nce" src="https:\/\/res\.test\/media\/docs\/output\.js"><\/script><meta charset="utf-8"><script>alert\(1\)<\/script>/);
  });
  it('lets no script of the document run: no unsafe-inline, no data: or other sources for scripts', () => {
    const scripts = policy(outputPageHtml('<head></head>', options)).split('; ').find((d) => d.startsWith('script-src'));
    assert.equal(scripts, "script-src 'nonce-n0nce'");
  });
  it('adds a head to a document that has none, after <html> or the doctype', () => {
    assert.match(outputPageHtml('<html><body>x</body></html>', options), /^<html><head><meta http-equiv/);
    assert.match(outputPageHtml('<!doctype html><p>x</p>', options), /^<!doctype html><head><meta http-equiv/);
    assert.match(outputPageHtml('<p>x</p>', options), /^<head><meta http-equiv.*<\/head><p>x<\/p>$/);
  });
  it('spaces the cells of tables without a class, before the document\'s own styles', () => {
    const html = outputPageHtml('<head><style>td { padding: 0 }</style></head>', options);
    assert.match(html, /<style>table:not\(\[class\]\) th, table:not\(\[class\]\) td \{ padding: 0\.25em 0\.6em; \}<\/style><script nonce[^>]*><\/script><style>td \{ padding: 0 \}/);
  });
  it('does not mistake <header> for <head>', () => {
    assert.match(outputPageHtml('<html><header>h</header></html>', options), /^<html><head><meta/);
  });
  it('escapes the base URI', () => {
    assert.match(outputPageHtml('<head></head>', { ...options, baseUri: 'https://res.test/a"b/' }), /<base href="https:\/\/res\.test\/a&quot;b\/">/);
  });
});
