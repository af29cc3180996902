// End-to-end test of the built documentation site in a real browser: Debian's chromium, driven by
// playwright-core, headless with WebGPU enabled (SwiftShader on GPU-less machines), against the site
// served from 127.0.0.1. Visits every page, fails on console errors and broken links, runs the live
// training page until the loss has fallen, runs the ONNX page and checks its top class.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_WEBGPU_ARGS, missingRequirement, testChromium } from '@rectifier/tensor/testing/node';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from './static-server';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const dist = join(docsRoot, '.vitepress', 'dist');
const artifacts = join(docsRoot, 'test-artifacts');
// No chromium: skipped with the reason, or a failure with CI set (.ci/run installs it).
const { path: chromiumPath, skip } = testChromium('docs e2e');

/** How far the live page's loss must fall (last logged loss / first logged loss). */
const LOSS_RATIO_REQUIRED = 0.7;
/**
 * How closely another backend's loss points (each the mean of 5 steps) must match the CPU run's,
 * relative: "a few parts in 10^4", float32 kernels summing in a different order (measured on
 * SwiftShader and WASM: about 1e-7). The live training page (live/train.md) states this number.
 */
const LOSS_MATCH_RTOL = 3e-4;
/** Pages the link crawl has open at once. */
const CRAWL_CONCURRENCY = 3;

describe.skipIf(!!skip)('documentation site in chromium', () => {
  let server: { url: string; close: () => Promise<void> };
  let context: BrowserContext;
  let userDir: string;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html')))
      throw new Error(`docs e2e: build the site first (${dist} is missing)`);
    mkdirSync(artifacts, { recursive: true });
    server = await serveDirectory(dist);
    userDir = mkdtempSync(join(tmpdir(), 'rectifier-docs-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: chromiumPath ?? undefined,
      headless: true,
      args: [...CHROMIUM_WEBGPU_ARGS, '--no-sandbox', '--no-first-run', '--disable-dev-shm-usage'],
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
    if (res?.status() !== 200) errors.push(`${path}: HTTP ${res?.status()}`);
    return { page, errors };
  }

  const screenshotName = (path: string) =>
    `${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'index'}.png`;

  it('every page loads without console errors and every internal link resolves', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const problems: string[] = [];
    const visit = async (path: string) => {
      const { page, errors } = await open(path);
      // Live pages are exercised (and screenshotted) by their own tests below. API pages are long
      // (one page per package entry point): a viewport screenshot shows enough of their layout.
      if (!path.startsWith('/live/')) {
        await page.screenshot({
          path: join(artifacts, screenshotName(path)),
          fullPage: !path.startsWith('/api/'),
        });
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
        if (u.origin !== server.url) continue;
        const p = u.pathname;
        if (/\.(png|svg|json|onnx|txt|jpg)$/.test(p)) {
          // Links to generated files (the ONNX model, plots) must resolve too.
          const res = await fetch(server.url + p);
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
    await page.screenshot({ path: join(artifacts, 'search.png') });
    expect(errors).toEqual([]);
  });

  // The training task is the same on every backend (same seed, same data), so the CPU run is the
  // reference: on the CPU backend the loss must fall by the stated amount; on WebGPU (SwiftShader here:
  // about one step per second) and WASM the loss points must match the CPU's to LOSS_MATCH_RTOL.
  // Every comparison awaits the CPU run itself (run once, by whichever test needs it first), so a
  // failed CPU run fails the comparisons too instead of leaving them nothing to compare.
  let cpuRun: Promise<LiveRun> | undefined;
  const cpuReference = () => {
    cpuRun ??= trainOnCpu();
    return cpuRun;
  };

  interface LiveRun {
    state: { backend: string; losses: number[]; slopes: number[][]; error?: string };
    errors: string[];
  }

  async function trainOnCpu(): Promise<LiveRun> {
    const { page, errors } = await open('/live/train.html?backend=cpu');
    await page.getByTestId('start-training').click();
    await page.waitForFunction(
      (ratio) => {
        const s = (globalThis as any).__rectifierLive;
        return s && s.losses.length >= 10 && s.losses.at(-1) < s.losses[0] * ratio;
      },
      LOSS_RATIO_REQUIRED,
      { timeout: 90_000, polling: 500 },
    );
    const state = await page.evaluate(() => (globalThis as any).__rectifierLive);
    await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot of a scrolled page repeats the sticky header
    await page.screenshot({ path: join(artifacts, 'live_train_cpu.png'), fullPage: true });
    return { state, errors };
  }

  /** Asserts that every loss point both runs logged (at least the first) matches the CPU run's, to LOSS_MATCH_RTOL. */
  async function expectCpuLosses(losses: number[], backend: string): Promise<void> {
    const cpu = (await cpuReference()).state.losses;
    expect(cpu.length, 'the CPU run logged no loss').toBeGreaterThanOrEqual(1);
    expect(losses.length, `the ${backend} run logged no loss`).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < Math.min(cpu.length, losses.length); i++) {
      const rel = Math.abs(losses[i] - cpu[i]) / cpu[i];
      expect(rel, `loss point ${i}: ${backend} ${losses[i]}, cpu ${cpu[i]}`).toBeLessThan(LOSS_MATCH_RTOL);
    }
  }

  it('the live training page trains a PReLU net and its loss falls (CPU backend)', async () => {
    const { state, errors } = await cpuReference();
    expect(state.backend).toBe('cpu');
    expect(state.losses.at(-1)).toBeLessThan(state.losses[0] * LOSS_RATIO_REQUIRED);
    expect(state.slopes.map((s: number[]) => s.length)).toEqual([8, 16]);
    // the slopes were learned: they moved away from their initial 0.25
    expect(Math.max(...state.slopes.flat().map((a: number) => Math.abs(a - 0.25)))).toBeGreaterThan(1e-3);
    expect(errors).toEqual([]);
  });

  /** The browser's WebGPU adapter, if any, and whether it is a software renderer (SwiftShader here). */
  async function adapterOf(page: Page): Promise<{ present: boolean; software: boolean }> {
    return page.evaluate(async () => {
      const a = await (navigator as any).gpu?.requestAdapter();
      if (!a) return { present: false, software: false };
      const i = a.info ?? {};
      const names = [i.vendor, i.architecture, i.device, i.description].join(' ');
      return { present: true, software: i.isFallbackAdapter === true || /swiftshader|llvmpipe/i.test(names) };
    });
  }

  it('the live training page picks its backend with selectBackend, shows it before the first step, never a software GPU by default', async () => {
    const { page, errors } = await open('/live/train.html');
    const adapter = await adapterOf(page);
    // the status is on the page before training starts
    await page.waitForFunction(() => !!(globalThis as any).__rectifierBackend, null, { timeout: 60_000 });
    const status = await page.evaluate(() => (globalThis as any).__rectifierBackend);
    const expected = adapter.present && !adapter.software ? 'webgpu' : 'wasm';
    expect(status.backend).toBe(expected);
    if (adapter.software) expect(status.backendNote).toMatch(/is a software renderer/);
    await expect
      .poll(() => page.getByTestId('live-backend').textContent())
      .toMatch(new RegExp(`^Backend: ${expected} \\(`));
    expect(await page.evaluate(() => (globalThis as any).__rectifierLive)).toBeUndefined(); // no step yet
    await page.getByTestId('start-training').click();
    await page.waitForFunction(() => ((globalThis as any).__rectifierLive?.losses.length ?? 0) >= 1, null, {
      timeout: 120_000,
      polling: 500,
    });
    const state = await page.evaluate(() => (globalThis as any).__rectifierLive);
    await page.getByTestId('start-training').click(); // stop
    expect(state.backend).toBe(expected);
    expect(state.error).toBeUndefined();
    await expectCpuLosses(state.losses, expected);
    expect(errors).toEqual([]);
  });

  it('the live training page uses WebGPU when asked (?backend=webgpu, software adapters too) and matches the CPU run', async (ctx) => {
    const { page, errors } = await open('/live/train.html?backend=webgpu');
    if (!(await adapterOf(page)).present) {
      // with CI set this throws: .ci/run installs chromium, whose SwiftShader gives an adapter
      ctx.skip(
        missingRequirement(
          'docs e2e WebGPU page',
          'chromium offers no WebGPU adapter',
          'apt-get install chromium libvulkan1',
        ),
      );
    }
    await page.getByTestId('start-training').click();
    // The first loss point is the mean of 5 steps (forward, backward, SGD update): enough to compare.
    await page.waitForFunction(() => ((globalThis as any).__rectifierLive?.losses.length ?? 0) >= 1, null, {
      timeout: 120_000,
      polling: 500,
    });
    const state = await page.evaluate(() => (globalThis as any).__rectifierLive);
    await page.getByTestId('start-training').click(); // stop
    await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot of a scrolled page repeats the sticky header
    await page.screenshot({ path: join(artifacts, 'live_train_default.png'), fullPage: true });
    expect(state.backend).toBe('webgpu');
    expect(state.error).toBeUndefined();
    await expectCpuLosses(state.losses, 'webgpu');
    expect(state.slopes.map((s: number[]) => s.length)).toEqual([8, 16]);
    expect(errors).toEqual([]);
  });

  it('the ONNX page classifies the sample image with onnxruntime-web', async () => {
    const expected = JSON.parse(readFileSync(join(dist, 'generated', 'onnx-demo.json'), 'utf8'));
    const { page, errors } = await open('/live/onnx.html');
    await page.getByTestId('classify').click();
    const top = page.getByTestId('onnx-top1');
    await top.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => (globalThis as any).__rectifierOnnx?.top1 !== undefined, null, {
      timeout: 60_000,
    });
    const result = await page.evaluate(() => (globalThis as any).__rectifierOnnx);
    await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot of a scrolled page repeats the sticky header
    await page.screenshot({ path: join(artifacts, 'live_onnx.png'), fullPage: true });
    expect(result.top1).toBe(expected.label);
    expect(errors).toEqual([]);
  });
});
