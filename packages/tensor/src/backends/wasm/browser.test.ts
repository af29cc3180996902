// The WASM backend in a real browser (Debian's chromium via playwright-core, headless): bundled with
// esbuild, served from 127.0.0.1 with cross-origin isolation headers. On the page's main thread it
// must fall back to one thread (a main thread may not Atomics.wait), likewise on a page without
// isolation (no SharedArrayBuffer, so an unshared memory); in a dedicated worker of the isolated
// page it must start its own Blob-URL workers over shared memory. All must match the CPU backend.
// Skipped, visibly, when chromium is not installed; with CI set that fails the run instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testChromium } from '../../testing/node/index.js';

const { path: chromiumPath, skip } = testChromium('WASM backend in chromium');
const here = fileURLToPath(new URL('.', import.meta.url));

// Runs in the page and in a worker: matmul, conv2d (+ both gradients) and an elementwise op on the
// WASM backend, compared with the CPU backend.
const entry = `
import { createWasmBackend } from './index.ts';
import { cpuBackend } from '../cpu/index.ts';
async function check() {
  const wasm = await createWasmBackend();
  let seed = 1;
  const rnd = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5);
  const view = (data, shape) => {
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    return { storage: cpuBackend.fromArray(data, 'float32'), dtype: 'float32', shape, strides, offset: 0 };
  };
  let maxDiff = 0;
  const cmp = (a, b) => { for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i])); };
  const a = view(rnd(3 * 70 * 90), [3, 70, 90]), b = view(rnd(3 * 90 * 110), [3, 90, 110]);
  cmp(wasm.matmul(a, b), cpuBackend.matmul(a, b));
  const g = { N: 4, C: 8, H: 16, W: 16, O: 12, KH: 3, KW: 3, OH: 16, OW: 16, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 };
  const x = view(rnd(4 * 8 * 256), [4, 8, 16, 16]), w = view(rnd(12 * 8 * 9), [12, 8, 3, 3]), dy = view(rnd(4 * 12 * 256), [4, 12, 16, 16]);
  cmp(wasm.conv2d(x, w, g), cpuBackend.conv2d(x, w, g));
  cmp(wasm.conv2dBackwardInput(dy, w, g), cpuBackend.conv2dBackwardInput(dy, w, g));
  cmp(wasm.conv2dBackwardWeight(x, dy, g), cpuBackend.conv2dBackwardWeight(x, dy, g));
  cmp(wasm.binary('reluGrad', x, x, 'float32'), cpuBackend.binary('reluGrad', x, x, 'float32'));
  const out = { threads: wasm.threads, simd: wasm.simd, maxDiff, isolated: globalThis.crossOriginIsolated === true };
  wasm.close();
  return out;
}
if (typeof document === 'undefined') self.onmessage = () => check().then((r) => self.postMessage(r), (e) => self.postMessage({ error: String(e) }));
else globalThis.runCheck = check;
`;

const page = `<!doctype html><meta charset="utf-8"><script src="/run.js"></script>`;

describe.skipIf(!!skip)('WASM backend in chromium', () => {
  let server: Server;
  let url: string;
  let context: BrowserContext;
  let userDir: string;

  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: entry, resolveDir: here, loader: 'js', sourcefile: 'browser-check.js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0].text;
    server = createServer((req, res) => {
      const isolation = {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      };
      // /plain/ is served without isolation headers: no SharedArrayBuffer there.
      const plain = req.url?.startsWith('/plain/') === true;
      const headers = plain ? {} : isolation;
      if (req.url?.endsWith('/run.js'))
        res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers }).end(js);
      else
        res
          .writeHead(200, { 'Content-Type': 'text/html', ...headers })
          .end(plain ? page.replace('/run.js', '/plain/run.js') : page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    userDir = mkdtempSync(join(tmpdir(), 'rectifier-wasm-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: chromiumPath ?? undefined,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('runs single-threaded on a main thread or without isolation, multi-threaded in a worker; matches CPU', async () => {
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(url);
    const main = await p.evaluate(() =>
      (globalThis as unknown as { runCheck: () => Promise<unknown> }).runCheck(),
    );
    const inWorker = await p.evaluate(
      () =>
        new Promise((resolve) => {
          const w = new Worker('/run.js');
          w.onmessage = (e) => resolve(e.data);
          w.postMessage('go');
        }),
    );
    expect(errors).toEqual([]);
    expect(main).toMatchObject({ threads: 1, isolated: true });
    expect((main as { maxDiff: number }).maxDiff).toBeLessThan(1e-4);
    expect(inWorker).toMatchObject({ isolated: true });
    const plain = await context.newPage();
    plain.on('pageerror', (e) => errors.push(e.message));
    await plain.goto(`${url}plain/`);
    const notIsolated = await plain.evaluate(() =>
      (globalThis as unknown as { runCheck: () => Promise<unknown> }).runCheck(),
    );
    expect(notIsolated).toMatchObject({ threads: 1, isolated: false });
    expect((notIsolated as { maxDiff: number }).maxDiff).toBeLessThan(1e-4);
    expect(errors).toEqual([]);
    expect((inWorker as { threads: number }).threads).toBeGreaterThanOrEqual(2);
    expect((inWorker as { maxDiff: number }).maxDiff).toBeLessThan(1e-4);
  });
});
