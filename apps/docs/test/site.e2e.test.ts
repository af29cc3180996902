// End-to-end test of the built documentation site in a real browser: Debian's chromium, driven by
// playwright-core, headless with WebGPU enabled (SwiftShader on GPU-less machines), against the site
// served from 127.0.0.1. Visits every page, fails on console errors and broken links, runs the live
// training page until the loss has fallen, runs the ONNX page and checks its top class.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from './static-server';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const dist = join(docsRoot, '.vitepress', 'dist');
const artifacts = join(docsRoot, 'test-artifacts');
const chromiumPath = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));

if (!chromiumPath && process.env.CI) {
  throw new Error('docs e2e: chromium is required in CI (apt-get install chromium; see .ci/run)');
}
if (!chromiumPath) console.warn('docs e2e: SKIPPED, chromium not found at /usr/lib/chromium/chromium');

/** How far the live page's loss must fall (last logged loss / first logged loss). */
const LOSS_RATIO_REQUIRED = 0.7;

describe.skipIf(!chromiumPath)('documentation site in chromium', () => {
  let server: { url: string; close: () => Promise<void> };
  let context: BrowserContext;
  let userDir: string;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error(`docs e2e: build the site first (${dist} is missing)`);
    mkdirSync(artifacts, { recursive: true });
    server = await serveDirectory(dist);
    userDir = mkdtempSync(join(tmpdir(), 'rectifier-docs-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  /** Opens a page and collects console errors and uncaught exceptions. */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${path}: console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${path}: uncaught: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${path}: HTTP ${r.status()} for ${r.url()}`);
    });
    const res = await page.goto(server.url + path, { waitUntil: 'networkidle' });
    if (!res || res.status() !== 200) errors.push(`${path}: HTTP ${res?.status()}`);
    return { page, errors };
  }

  const screenshotName = (path: string) => `${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'index'}.png`;

  it('every page loads without console errors and every internal link resolves', async () => {
    const seen = new Set<string>();
    const queue = ['/'];
    const problems: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const { page, errors } = await open(path);
      // Live pages are exercised (and screenshotted) by their own tests below.
      if (!path.startsWith('/live/')) await page.screenshot({ path: join(artifacts, screenshotName(path)), fullPage: true });
      const hrefs: string[] = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const href of hrefs) {
        const u = new URL(href);
        if (u.origin !== server.url) continue;
        const p = u.pathname;
        if (!seen.has(p) && !/\.(png|svg|json|onnx|txt|jpg)$/.test(p)) queue.push(p);
      }
      problems.push(...errors);
      await page.close();
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(8);
  });

  it('the live training page trains a PReLU net and its loss falls', async () => {
    const { page, errors } = await open('/live/train.html');
    await page.getByTestId('start-training').click();
    await page.waitForFunction(
      (ratio) => {
        const s = (globalThis as any).__rectifierLive;
        return s && s.losses.length >= 10 && s.losses.at(-1) < s.losses[0] * ratio;
      },
      LOSS_RATIO_REQUIRED,
      { timeout: 150_000, polling: 500 },
    );
    const state = await page.evaluate(() => (globalThis as any).__rectifierLive);
    await page.screenshot({ path: join(artifacts, 'live_train.png'), fullPage: true });
    expect(state.losses.at(-1)).toBeLessThan(state.losses[0] * LOSS_RATIO_REQUIRED);
    expect(state.slopes.length).toBeGreaterThan(0);
    expect(['webgpu', 'cpu']).toContain(state.backend);
    expect(errors).toEqual([]);
  });

  it('the ONNX page classifies the sample image with onnxruntime-web', async () => {
    const expected = JSON.parse(readFileSync(join(dist, 'generated', 'onnx-demo.json'), 'utf8'));
    const { page, errors } = await open('/live/onnx.html');
    await page.getByTestId('classify').click();
    const top = page.getByTestId('onnx-top1');
    await top.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => (globalThis as any).__rectifierOnnx?.top1 !== undefined, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (globalThis as any).__rectifierOnnx);
    await page.screenshot({ path: join(artifacts, 'live_onnx.png'), fullPage: true });
    expect(result.top1).toBe(expected.label);
    expect(errors).toEqual([]);
  });
});
