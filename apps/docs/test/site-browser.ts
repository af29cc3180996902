// The browser side of the site's e2e tests: the built site served from 127.0.0.1 and Debian's
// chromium driven by playwright-core, headless with WebGPU enabled (SwiftShader on GPU-less
// machines). Each e2e file opens its own browser, so the files run side by side.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_WEBGPU_ARGS } from '@rectifier/tensor/testing/node';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { serveDirectory } from './static-server';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
/** The built site. */
export const dist = join(docsRoot, '.vitepress', 'dist');
/** Where screenshots go (gitignored). */
const artifacts = join(docsRoot, 'test-artifacts');
/**
 * Screenshots are for a human to look at, so they are taken only with DOCS_SCREENSHOTS=1: chromium
 * spends about 7 CPU-s rendering the crawl's, which nothing reads in CI.
 */
const SCREENSHOTS = process.env.DOCS_SCREENSHOTS === '1';

/** Saves a screenshot of `page` as test-artifacts/`file` when DOCS_SCREENSHOTS=1. */
export async function saveScreenshot(page: Page, file: string, fullPage: boolean): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, file), fullPage });
}

export interface SiteBrowser {
  /** The server's origin, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Opens a page and collects console errors, uncaught exceptions and failed requests. */
  open(path: string): Promise<{ page: Page; errors: string[] }>;
}

/**
 * Serves the site and launches chromium (`chromiumPath`, from tensor's `testChromium`) before the
 * calling file's tests, and closes both after them. `what` names the file in error messages.
 */
export function useSiteBrowser(what: string, chromiumPath: string | null): SiteBrowser {
  let server: { url: string; close: () => Promise<void> } | undefined;
  let context: BrowserContext | undefined;
  let userDir: string | undefined;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html')))
      throw new Error(`${what}: build the site first (${dist} is missing)`);
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

  return {
    get url() {
      if (!server) throw new Error(`${what}: the site is not served (beforeAll failed)`);
      return server.url;
    },
    async open(path) {
      if (!context || !server) throw new Error(`${what}: no browser (beforeAll failed)`);
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
    },
  };
}
