// Builds the documentation site (run by `npm run build` / `turbo run build`, after the packages' builds):
//   1. API reference: TypeDoc + typedoc-plugin-markdown + typedoc-vitepress-theme -> api/ (+ sidebar JSON,
//      expanded to every exported symbol by kind, linking to its heading);
//      warnings are printed, errors (exit code != 0) fail the build.
//   2. Initialization guide plots: init's varianceAudit on nn's model30 -> public/generated/*.svg.
//   3. "The paper reproduced": results/ of the repository -> public/generated/results/ + generated markdown.
//   4. Live ONNX page: a small PReLU net trained on Fashion-MNIST, exported with @rectifier/onnx, sample PNGs,
//      and onnxruntime-web's wasm files -> public/generated/.
//   5. vitepress build -> .vitepress/dist.
// SKIP_ONNX_DEMO=1 reuses an existing public/generated/demo.onnx (for quick local iterations).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addSymbolsToSidebar } from './lib/api-sidebar.mjs';
import { generateOnnxDemo } from './lib/onnx-demo.mjs';
import { generateResultsPage } from './lib/results-page.mjs';
import { generateVariancePlot } from './lib/variance-plot.mjs';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(docsRoot, '..', '..');
const generated = join(docsRoot, 'public', 'generated');
const mdGenerated = join(docsRoot, '.generated');
const require = createRequire(import.meta.url);
const t0 = performance.now();
const step = async (name, fn) => {
  const t = performance.now();
  await fn();
  console.log(`[docs build] ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
};
const run = (bin, args) =>
  execFileSync(process.execPath, [bin, ...args], { cwd: docsRoot, stdio: 'inherit' });

mkdirSync(generated, { recursive: true });
mkdirSync(mdGenerated, { recursive: true });

await step('API reference (TypeDoc)', () => {
  // TypeDoc exits non-zero on errors (the build stops here) and zero with warnings.
  run(join(dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc'), []);
  console.log(`[docs build] API sidebar lists ${addSymbolsToSidebar(docsRoot)} symbols`);
});

await step('variance audit plots', () => generateVariancePlot(generated, mdGenerated));

await step('reproduced results', () => {
  rmSync(join(generated, 'results'), { recursive: true, force: true });
  generateResultsPage(join(repoRoot, 'results'), join(generated, 'results'), join(mdGenerated, 'results.md'));
});

await step('ONNX demo model', async () => {
  if (process.env.SKIP_ONNX_DEMO === '1' && existsSync(join(generated, 'onnx-demo.json'))) return;
  await generateOnnxDemo(generated);
});

await step('onnxruntime-web wasm files', () => {
  const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  mkdirSync(join(generated, 'ort'), { recursive: true });
  // The wasm-only build (onnxruntime-web/wasm) loads these two files from ort.env.wasm.wasmPaths.
  for (const f of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'])
    copyFileSync(join(ortDist, f), join(generated, 'ort', f));
});

await step('vitepress build', () => {
  run(join(dirname(require.resolve('vitepress/package.json')), 'bin', 'vitepress.js'), ['build']);
});

console.log(`[docs build] done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
