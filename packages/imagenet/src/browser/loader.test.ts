// BrowserImageLoader in headless Chromium (Debian's /usr/bin/chromium through playwright-core): a pool
// of real Web Workers fetches, decodes and transforms PNGs served to the page; the batches must equal
// the main-thread run and Node's own sample path, resume and shard like the Node loader, and skip
// every bad file with a reason. Skipped, visibly, where no Chromium is installed;
// with CI set that fails the run instead.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testChromium } from '@rectifier/tensor/testing/node';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../node/decode.js';
import { epochOrder } from '../shuffle.js';
import { applyTransform } from '../transform.js';

const { path: CHROMIUM, skip } = testChromium('BrowserImageLoader in Chromium');
const src = fileURLToPath(new URL('.', import.meta.url));
const ORIGIN = 'http://rectifier.test';

async function png(w: number, h: number, seed: number): Promise<Buffer> {
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 97 + ((i / 3) % w) * seed) % 256;
  return sharp(b, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

async function bundle(entry: string, stdin?: string): Promise<string> {
  const r = await build({
    ...(stdin
      ? { stdin: { contents: stdin, resolveDir: src, loader: 'ts' } }
      : { entryPoints: [join(src, entry)] }),
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

describe.skipIf(!!skip)('BrowserImageLoader in Chromium', () => {
  it('Web Workers give the main-thread and Node batches; resume, shards, bad files', async () => {
    const good = await Promise.all([
      png(48, 36, 1),
      png(40, 40, 2),
      png(36, 50, 3),
      png(60, 38, 4),
      png(44, 44, 5),
      png(38, 52, 6),
    ]);
    const files: Record<string, Buffer> = {};
    good.forEach((b, i) => {
      files[`/img/${i}.JPEG`] = b; // PNG bytes named .JPEG: sniffed, not trusted
    });
    files['/img/zero.JPEG'] = Buffer.alloc(0);
    files['/img/text.JPEG'] = Buffer.from('not an image at all');
    files['/page.js'] = Buffer.from(
      await bundle('', "import * as m from './loader.ts'; (globalThis as any).rectifierLoader = m;"),
    );
    files['/worker.js'] = Buffer.from(
      await bundle('', "import { serveLoaderWorker } from './loader.ts'; serveLoaderWorker();"),
    );
    const samples = [
      ...good.map((_, i) => ({ url: `${ORIGIN}/img/${i}.JPEG`, label: i % 3 })),
      { url: `${ORIGIN}/img/zero.JPEG`, label: 0 },
      { url: `${ORIGIN}/img/text.JPEG`, label: 1 },
      { url: `${ORIGIN}/img/missing.JPEG`, label: 2 },
      { url: `${ORIGIN}/img/0.JPEG`, label: 7 }, // label outside [0, 3)
    ];
    const transform = { kind: 'train', scaleRange: [36, 60], cropSize: 32 } as const;

    const browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext();
      await context.route(`${ORIGIN}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><p>t</p>' });
        const body = files[path];
        if (!body) return route.fulfill({ status: 404, body: 'no' });
        const js = path.endsWith('.js'); // module scripts need a JavaScript MIME type
        return route.fulfill({ contentType: js ? 'text/javascript' : 'application/octet-stream', body });
      });
      const page = await context.newPage();
      await page.goto(`${ORIGIN}/`);
      await page.addScriptTag({ url: '/page.js', type: 'module' });
      await page.waitForFunction(() => (globalThis as any).rectifierLoader);
      const run = await page.evaluate(
        async ([samples, transform]) => {
          const m = (globalThis as any).rectifierLoader;
          const collect = async (opts: Record<string, unknown>) => {
            const bad: string[] = [];
            const l = new m.BrowserImageLoader(samples, {
              transform,
              batchSize: 3,
              seed: 5,
              numClasses: 3,
              onBadFile: (e: { path: string; reason: string }) => bad.push(`${e.path} | ${e.reason}`),
              ...opts,
            });
            const batches: { data: number[]; labels: number[]; indices: number[]; position: number }[] = [];
            for await (const b of l)
              batches.push({
                data: Array.from(b.data as Float32Array),
                labels: Array.from(b.labels as Int32Array),
                indices: Array.from(b.indices as Int32Array),
                position: b.position,
              });
            const state = l.state();
            l.close();
            return { batches, bad, skipped: l.skipped, state };
          };
          const workerUrl = new URL('/worker.js', location.href).href;
          const pooled = await collect({ workers: 2, workerUrl });
          const main = await collect({ workers: 0 });
          const resumed = await collect({ workers: 2, workerUrl, state: { epoch: 0, position: 3 } });
          const shards = [
            await collect({ workers: 1, workerUrl, rank: 0, worldSize: 2 }),
            await collect({ workers: 1, workerUrl, rank: 1, worldSize: 2 }),
          ];
          let missingWorker = 'no error';
          try {
            await collect({ workers: 1, workerUrl: new URL('/nope.js', location.href).href });
          } catch (e) {
            missingWorker = String((e as Error).message);
          }
          return { pooled, main, resumed, shards, missingWorker };
        },
        [samples, transform] as const,
      );

      // workers and the calling thread agree exactly
      expect(run.pooled.batches).toEqual(run.main.batches);
      // the order is epochOrder's, minus the bad files
      const order = Array.from(epochOrder(samples.length, 0, { seed: 5 }));
      const seen = run.pooled.batches.flatMap((b) => b.indices);
      expect(seen).toEqual(order.filter((i) => i < good.length));
      expect(run.pooled.state).toEqual({ epoch: 1, position: 0 });
      // every sample equals Node's path (sharp decode of the lossless PNG + the same transform)
      const per = 3 * 32 * 32;
      for (const b of run.pooled.batches)
        for (const [j, index] of b.indices.entries()) {
          const want = applyTransform(await decodeImage(good[index]), transform, 5, 0, index);
          expect(b.data.slice(j * per, (j + 1) * per)).toEqual(Array.from(want));
          expect(b.labels[j]).toBe(index % 3);
        }
      // bad files: one line each, counted, the epoch completes
      expect(run.pooled.skipped).toBe(4);
      const reasons = run.pooled.bad.join('\n');
      expect(reasons).toMatch(/zero\.JPEG \| empty file/);
      expect(reasons).toMatch(/text\.JPEG \| not a JPEG or PNG/);
      expect(reasons).toMatch(/missing\.JPEG \| fetch failed \(HTTP 404\)/);
      expect(reasons).toMatch(/0\.JPEG \| label 7 outside the class table \[0, 3\)/);
      // resuming after the first batch gives the remaining batches
      expect(run.resumed.batches).toEqual(run.pooled.batches.filter((b) => b.position > 3));
      // two ranks: disjoint, together every good sample once (10 samples split 5 + 5, no padding)
      const byRank = run.shards.map((s) => s.batches.flatMap((b) => b.indices));
      expect(byRank[0].filter((i) => byRank[1].includes(i))).toEqual([]);
      expect([...byRank[0], ...byRank[1]].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(run.missingWorker).toMatch(/worker .*nope\.js failed/);
    } finally {
      await browser.close();
    }
  });
});
