// Photo-like JPEGs for the benchmarks: a class drawing overlaid with blurred Gaussian texture, so the
// files have roughly the entropy (size) of ImageNet photos rather than flat synthetic colour. Shorter
// side 375, longer 420-500, quality 90 (about 100 KiB each), in the ILSVRC train/<wnid>/ layout.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { imagenetClasses, SampleRandom } from '../dist/index.js';
import { drawClassImage } from '../dist/node.js';

export async function writeImages(dir, images, classes = 10) {
  const table = imagenetClasses();
  const per = Math.ceil(images / classes);
  for (let k = 0; k < classes; k++) {
    const wnid = table.id(k * 100);
    await mkdir(join(dir, 'train', wnid), { recursive: true });
    await Promise.all(
      Array.from({ length: per }, async (_, i) => {
        const rng = new SampleRandom(7, 0, k * 1000 + i);
        const w = i % 4 === 3 ? 375 : 500 - Math.floor(rng.uniform() * 80);
        const h = i % 4 === 3 ? 500 : 375;
        const rgb = drawClassImage(k, w, h, rng);
        const noise = await sharp({
          create: {
            width: w,
            height: h,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 128, sigma: 40 },
          },
        })
          .blur(0.5)
          .png()
          .toBuffer();
        const jpg = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
          .composite([{ input: noise, blend: 'overlay' }])
          .jpeg({ quality: 90 })
          .toBuffer();
        await writeFile(join(dir, 'train', wnid, `${wnid}_${i}.JPEG`), jpg);
      }),
    );
  }
}
