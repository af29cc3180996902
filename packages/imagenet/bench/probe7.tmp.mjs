import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { hwcToChw, planSample, resolveTransform } from '../dist/index.js';
import { imagenetDataset, probe, processItems, renderViewsSharp } from '../dist/node.js';

sharp.concurrency(1);
const ds = imagenetDataset(process.argv[2]);
const items = ds.samples.slice(0, 64).map((s, i) => ({ index: i, label: s.label, path: s.path }));
const t = resolveTransform({ kind: 'train' });
const ctx = { transform: t, seed: 1, epoch: 0, numClasses: 1000, sharp: {}, itemConcurrency: 1 };
const out = new Float32Array(3 * 224 * 224);
const cpu = async (f) => {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / items.length).toFixed(2);
};
const bufs = items.map((it) => readFileSync(it.path));
for (let rep = 0; rep < 3; rep++) {
  const a = await cpu(() => processItems(items, ctx));
  const b = await cpu(async () => {
    for (const it of items) readFileSync(it.path);
  });
  const c = await cpu(async () => {
    for (let i = 0; i < bufs.length; i++) {
      const { width, height } = probe(bufs[i]);
      const { views, light } = planSample(t, width, height, 1, 0, i);
      await renderViewsSharp(bufs[i], views, light, t.normalization, out, 0);
    }
  });
  const d = await cpu(async () => {
    for (let i = 0; i < bufs.length; i++) {
      const { width, height } = probe(bufs[i]);
      const { views } = planSample(t, width, height, 1, 0, i);
      const v = views[0];
      await sharp(bufs[i], { sequentialRead: true })
        .resize(v.resizeWidth, v.resizeHeight, { fit: 'fill', kernel: 'linear' })
        .extract(v.crop)
        .raw()
        .toBuffer();
    }
  });
  const e = await cpu(async () => {
    for (let i = 0; i < bufs.length; i++) await sharp(bufs[i], { sequentialRead: true }).raw().toBuffer();
  });
  const f = await cpu(async () => {
    const src = new Uint8Array(224 * 224 * 3);
    for (let i = 0; i < bufs.length; i++) hwcToChw(src, 224, 224, out, 0, true, [1, 2, 3], t.normalization);
  });
  console.log(
    `CPU ms/img: processItems ${a} | readFileSync ${b} | probe+render ${c} | sharp resize+extract only ${d} | full decode only ${e} | hwcToChw ${f}`,
  );
}
