import { existsSync } from 'node:fs';
import { check } from '@rectifier/imagenet/node';
import { UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';

/** `rectifier check <dir>`: decodes every image of an ImageNet / ImageFolder directory and reports problems. */
export const checkCommand: Command = {
  spec: {
    name: 'check',
    summary:
      'Validate a dataset directory (ILSVRC2012 layout with train/ and val/, or an ImageFolder): counts per class and every unreadable file. Exits 1 if any file is bad.',
    usage: 'rectifier check <dataset-dir> [options]',
    positionals: { min: 1, max: 1 },
    options: {
      'headers-only': {
        type: 'boolean',
        description: 'only read image headers (fast; misses truncated data)',
      },
      verbose: { type: 'boolean', description: 'print every class' },
      'id-mapping': {
        type: 'string',
        arg: 'FILE',
        description: "flat val/: the devkit's ILSVRC2012_ID -> wnid mapping (meta.mat or text)",
      },
    },
  },
  async run(args, io: Io) {
    const dir = args.positionals[0];
    if (!existsSync(dir)) throw new UserError(`${dir} does not exist`);
    const idMapping = args.values['id-mapping'] === undefined ? undefined : String(args.values['id-mapping']);
    if (idMapping !== undefined && !existsSync(idMapping))
      throw new UserError(`--id-mapping file ${idMapping} does not exist`);
    let reports: Awaited<ReturnType<typeof check>>;
    try {
      reports = await check(dir, { headersOnly: Boolean(args.values['headers-only']), idMapping });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    let bad = 0;
    for (const r of reports) {
      out(
        io,
        `${r.root} (${r.layout}): ${r.ok}/${r.total} images ok in ${r.classes.length} classes, ${r.bad.length} problems`,
      );
      if (args.values.verbose)
        for (const c of r.classes)
          out(
            io,
            `  ${String(c.index).padStart(4)} ${c.id} ${c.name}: ${c.ok} ok${c.bad ? `, ${c.bad} bad` : ''}`,
          );
      for (const b of r.bad.slice(0, 50)) out(io, `  bad: ${b.path}: ${b.reason}`);
      if (r.bad.length > 50) out(io, `  ... and ${r.bad.length - 50} more`);
      bad += r.bad.length;
    }
    return bad > 0 ? 1 : 0;
  },
};
