/**
 * End-to-end: the WebGPU backend in headless Chromium (Debian's chromium package, driven by
 * playwright-core). An esbuild bundle of entry.ts is served from 127.0.0.1; the page trains a small
 * PReLU net for a few steps on navigator.gpu (SwiftShader without a GPU) and the loss must fall with no
 * console errors. Skips with a visible reason when chromium is absent, unless CI is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
import { CHROMIUM_WEBGPU_ARGS, testChromium } from '../../src/testing/node/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const src = join(here, '../../src');
const { path: CHROMIUM, skip } = testChromium('browser WebGPU test');

test.skipIf(!!skip)(
  'trains a PReLU net on WebGPU in headless Chromium; loss falls, no console errors',
  async () => {
    const bundle = await build({
      entryPoints: [join(here, 'entry.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      alias: {
        '@rectifier/tensor/webgpu': join(src, 'webgpu/index.ts'),
        '@rectifier/tensor': join(src, 'index.ts'),
      },
    });
    const js = bundle.outputFiles[0]?.text ?? '';
    const html =
      '<!doctype html><meta charset="utf-8"><title>rectifier webgpu</title><link rel="icon" href="data:,"><script type="module" src="/app.js"></script>';
    const server: Server = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else if (req.url === '/' || req.url === '/index.html')
        res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const userDir = mkdtempSync(join(tmpdir(), 'rectifier-chromium-'));
    const { chromium } = await import('playwright-core');
    const ctx = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM ?? undefined,
      headless: true,
      args: [...CHROMIUM_WEBGPU_ARGS, '--no-sandbox', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const errors: string[] = [];
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => 'rectifierTrain' in globalThis);
      const result = await page.evaluate(() =>
        (
          globalThis as unknown as {
            rectifierTrain(n: number): Promise<{ adapter: string; losses: number[] }>;
          }
        ).rectifierTrain(6),
      );
      console.log(
        `browser WebGPU adapter: ${result.adapter}; losses ${result.losses.map((l) => l.toFixed(4)).join(' ')}`,
      );
      expect(result.losses).toHaveLength(6);
      expect(result.losses.every(Number.isFinite)).toBe(true);
      expect(result.losses[5]).toBeLessThan((result.losses[0] as number) * 0.9);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
      server.close();
      rmSync(userDir, { recursive: true, force: true });
    }
  },
  120_000,
);
