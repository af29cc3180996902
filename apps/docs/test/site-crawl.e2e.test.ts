// End-to-end test of the built documentation site in a real browser (test/site-browser.ts): visits
// every page reachable from the home page, fails on console errors, failed requests, broken links,
// broken images and API sidebar anchors without a heading, and checks the local search.
import { testChromium } from '@rectifier/tensor/testing/node';
import { describe, expect, it } from 'vitest';
import { saveScreenshot, useSiteBrowser } from './site-browser';

// No chromium: skipped with the reason, or a failure with CI set (.ci/run installs it).
const { path: chromiumPath, skip } = testChromium('docs e2e (site crawl)');

/** Pages the link crawl has open at once. */
const CRAWL_CONCURRENCY = 3;

describe.skipIf(!!skip)('documentation site in chromium', () => {
  const site = useSiteBrowser('docs e2e (site crawl)', chromiumPath);
  const open = (path: string) => site.open(path);

  const screenshotName = (path: string) =>
    `${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'index'}.png`;

  it('every page loads without console errors and every internal link resolves', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const problems: string[] = [];
    const visit = async (path: string) => {
      const { page, errors } = await open(path);
      // Live pages are exercised (and screenshotted) by live-pages.e2e.test.ts. API pages are long
      // (one page per package entry point): a viewport screenshot shows enough of their layout.
      if (!path.startsWith('/live/')) {
        await saveScreenshot(page, screenshotName(path), !path.startsWith('/api/'));
      }
      // Images in the page (generated plots) must have loaded: a missing one has naturalWidth 0.
      const brokenImages: string[] = await page.$$eval('img', (imgs) =>
        imgs
          .filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 0)
          .map((i) => (i as HTMLImageElement).src),
      );
      for (const src of brokenImages) problems.push(`${path}: broken image ${src}`);
      const hrefs: string[] = await page.$$eval('a[href]', (as) =>
        as.map((a) => (a as HTMLAnchorElement).href),
      );
      // The API sidebar lists every exported symbol; each must land on a heading of its page.
      if (path.startsWith('/api/')) {
        const missing: string[] = await page.$$eval(
          '.VPSidebar a[href*="#"]',
          (as, here) =>
            as
              .map((a) => new URL((a as HTMLAnchorElement).href))
              .filter((u) => u.pathname === here && u.hash.length > 1)
              .map((u) => decodeURIComponent(u.hash.slice(1)))
              .filter((id) => !document.getElementById(id)),
          path,
        );
        for (const id of missing) problems.push(`${path}: sidebar anchor #${id} has no heading`);
        if (path !== '/api/' && path !== '/api/index.html') {
          const listed = await page.$$eval('.VPSidebar a[href*="#"]', (as) => as.length);
          if (listed === 0) problems.push(`${path}: the API sidebar lists no symbols`);
        }
      }
      for (const href of hrefs) {
        const u = new URL(href);
        if (u.origin !== site.url) continue;
        const p = u.pathname;
        if (/\.(png|svg|json|onnx|txt|jpg)$/.test(p)) {
          // Links to generated files (the ONNX model, plots) must resolve too.
          const res = await fetch(site.url + p);
          if (res.status !== 200) problems.push(`${path}: broken link ${p} (HTTP ${res.status})`);
        } else if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
      problems.push(...errors);
      await page.close();
    };
    // A few pages at a time: a page's load, screenshot and link checks mostly wait on chromium, which
    // renders pages in parallel (one at a time, this crawl was most of the docs test's time).
    let active = 0;
    await new Promise<void>((done, fail) => {
      const pump = () => {
        if (queue.length === 0 && active === 0) return done();
        while (active < CRAWL_CONCURRENCY && queue.length > 0) {
          active++;
          visit(queue.shift() as string).then(() => {
            active--;
            pump();
          }, fail);
        }
      };
      pump();
    });
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(8);
  });

  it('local search finds the API reference and the guides', async () => {
    const { page, errors } = await open('/');
    await page.locator('.DocSearch-Button').first().click();
    await page.locator('#localsearch-input').fill('kaimingNormal');
    const results = page.locator('ul.results a');
    await results.first().waitFor({ timeout: 15_000 });
    const hrefs = await results.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.some((h) => h.includes('/api/init'))).toBe(true);
    await saveScreenshot(page, 'search.png', false);
    expect(errors).toEqual([]);
  });
});
