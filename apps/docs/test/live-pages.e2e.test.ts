// End-to-end test of the documentation site's live pages in a real browser (test/site-browser.ts):
// the training page trains until the loss has fallen (CPU backend), picks its backend with
// selectBackend and matches the CPU run on WebGPU; the ONNX page classifies its sample image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingRequirement, testChromium } from '@rectifier/tensor/testing/node';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dist, saveScreenshot, useSiteBrowser } from './site-browser';

// No chromium: skipped with the reason, or a failure with CI set (.ci/run installs it).
const { path: chromiumPath, skip } = testChromium('docs e2e (live pages)');

/** How far the live page's loss must fall (last logged loss / first logged loss). */
const LOSS_RATIO_REQUIRED = 0.7;
/**
 * How closely another backend's loss points (each the mean of 5 steps) must match the CPU run's,
 * relative: "a few parts in 10^4", float32 kernels summing in a different order (measured on
 * SwiftShader and WASM: about 1e-7). The live training page (live/train.md) states this number.
 */
const LOSS_MATCH_RTOL = 3e-4;

describe.skipIf(!!skip)('the live pages in chromium', () => {
  const site = useSiteBrowser('docs e2e (live pages)', chromiumPath);
  const open = (path: string) => site.open(path);

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
    await saveScreenshot(page, 'live_train_cpu.png', true);
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

  /**
   * Starts training, waits for the first loss point (the mean of 5 steps: forward, backward, SGD
   * update; enough to compare backends), stops, and returns the page's state.
   */
  async function trainToFirstLossPoint(page: Page): Promise<LiveRun['state']> {
    await page.getByTestId('start-training').click();
    await page.waitForFunction(() => ((globalThis as any).__rectifierLive?.losses.length ?? 0) >= 1, null, {
      timeout: 120_000,
      polling: 500,
    });
    const state = await page.evaluate(() => (globalThis as any).__rectifierLive);
    await page.getByTestId('start-training').click(); // stop
    return state;
  }

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
    const state = await trainToFirstLossPoint(page);
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
    const state = await trainToFirstLossPoint(page);
    await page.evaluate(() => window.scrollTo(0, 0)); // a full-page shot of a scrolled page repeats the sticky header
    await saveScreenshot(page, 'live_train_default.png', true);
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
    await saveScreenshot(page, 'live_onnx.png', true);
    expect(result.top1).toBe(expected.label);
    expect(errors).toEqual([]);
  });
});
