import type { Tensor } from '@rectifier/tensor';
import type { CheckpointMeta } from '../checkpoint/checkpoint';

// Type and range checks of the Trainer's part of a checkpoint's metadata, run before anything is
// restored: a file whose digest holds can still be hand-made or from an older format (version 1
// did not cover the metadata), and a value such as `"step": "x"` must not become a NaN step.

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function fail(field: string, what: string, v: unknown): never {
  throw new Error(`${field} must be ${what}, got ${show(v)}`);
}

function int(v: unknown, field: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(field, `an integer >= ${min}`, v);
  return v;
}

function finite(v: unknown, field: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    fail(field, min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number >= ${min}`, v);
  return v;
}

function object(v: unknown, field: string): Json {
  if (!isObject(v)) fail(field, 'an object', v);
  return v;
}

function array(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, 'an array', v);
  return v;
}

/** Every number inside `v` is finite (JSON.parse turns 1e400 into Infinity). */
function finiteLeaves(v: unknown, field: string, depth = 0): void {
  if (depth > 8) fail(field, 'nested at most 8 levels deep', '…');
  if (typeof v === 'number') finite(v, field);
  else if (Array.isArray(v))
    v.forEach((x, i) => {
      finiteLeaves(x, `${field}[${i}]`, depth + 1);
    });
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) finiteLeaves(x, `${field}.${k}`, depth + 1);
}

const DECIMAL = /^\d{1,20}$/;

/**
 * Throws an Error naming the first field of a Trainer checkpoint's metadata that has the wrong
 * type or range or contradicts another (epoch vs history, batch vs step). `generators`: the names
 * of the extra random generators the Trainer restores, which must have a state.
 */
export function checkTrainerMeta(
  meta: CheckpointMeta,
  tensors: Record<string, Tensor>,
  generators: readonly string[] = [],
): void {
  const epoch = int(meta.epoch, 'epoch');
  const batch = int(meta.batch, 'batch');
  const step = int(meta.step, 'step');
  if (batch > step) fail('batch', `at most step (${step})`, batch);
  finite(meta.elapsedSeconds ?? 0, 'elapsedSeconds', 0);

  const opt = object(meta.optimizer, 'optimizer');
  if (typeof opt.type !== 'string') fail('optimizer.type', 'a string', opt.type);
  const groups = array(opt.paramGroups, 'optimizer.paramGroups');
  if (groups.length === 0) fail('optimizer.paramGroups', 'a non-empty array', groups);
  groups.forEach((g, i) => {
    const f = `optimizer.paramGroups[${i}]`;
    const grp = object(g, f);
    for (const [j, p] of array(grp.params, `${f}.params`).entries()) int(p, `${f}.params[${j}]`);
    finite(grp.lr, `${f}.lr`, 0);
    finite(grp.weightDecay, `${f}.weightDecay`, 0);
    for (const [k, v] of Object.entries(grp)) {
      if (k === 'params' || k === 'name') continue;
      if (typeof v === 'number') finite(v, `${f}.${k}`);
      else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) finiteLeaves(v, `${f}.${k}`);
      else if (typeof v !== 'boolean' && !(typeof v === 'string' && v.length <= 100))
        fail(`${f}.${k}`, 'a number, a boolean, a short string or an array of numbers', v);
    }
  });
  for (const [k, v] of Object.entries(object(opt.steps, 'optimizer.steps'))) {
    if (!/^\d+$/.test(k)) fail('optimizer.steps', 'keyed by parameter index', k);
    int(v, `optimizer.steps.${k}`);
  }
  for (const name of Object.keys(tensors)) {
    if (!name.startsWith('optimizer.')) continue;
    const rest = name.slice('optimizer.'.length);
    if (!/^\d+\.[^.]+$/.test(rest)) fail(`tensor '${name}'`, "named 'optimizer.<index>.<buffer>'", name);
  }

  if (meta.scheduler !== null && meta.scheduler !== undefined) {
    const s = object(meta.scheduler, 'scheduler');
    int(s.count, 'scheduler.count');
    for (const [i, v] of array(s.baseLrs, 'scheduler.baseLrs').entries())
      finite(v, `scheduler.baseLrs[${i}]`, 0);
    const sched = object(s.schedule, 'scheduler.schedule');
    if (typeof sched.type !== 'string') fail('scheduler.schedule.type', 'a string', sched.type);
    finiteLeaves(sched, 'scheduler.schedule');
  }

  const rng = object(meta.rng, 'rng');
  for (const name of ['default', ...generators]) {
    const g = rng[name];
    if (g === undefined) fail(`rng.${name}`, 'present (the state of that random generator)', g);
    const st = object(g, `rng.${name}`);
    if (typeof st.seed !== 'string' || !DECIMAL.test(st.seed))
      fail(`rng.${name}.seed`, 'a decimal string', st.seed);
    if (typeof st.offset !== 'string' || !DECIMAL.test(st.offset))
      fail(`rng.${name}.offset`, 'a decimal string', st.offset);
  }

  const meters = object(meta.meters, 'meters');
  const loss = object(meters.loss, 'meters.loss');
  finite(loss.sum, 'meters.loss.sum');
  finite(loss.count, 'meters.loss.count', 0);
  const top1 = object(meters.top1, 'meters.top1');
  const total = int(top1.total, 'meters.top1.total');
  const wrong = array(top1.wrong, 'meters.top1.wrong');
  if (wrong.length !== 1) fail('meters.top1.wrong', 'an array of 1 count', wrong);
  if (int(wrong[0], 'meters.top1.wrong[0]') > total)
    fail('meters.top1.wrong[0]', `at most ${total}`, wrong[0]);

  const history = array(meta.history, 'history');
  if (history.length !== epoch) fail('history', `one entry per completed epoch (${epoch})`, history.length);
  let last = 0;
  history.forEach((h, i) => {
    const e = object(h, `history[${i}]`);
    if (e.epoch !== i) fail(`history[${i}].epoch`, String(i), e.epoch);
    const s = int(e.step, `history[${i}].step`);
    if (s < last || s > step) fail(`history[${i}].step`, `between ${last} and ${step}`, s);
    last = s;
    for (const [k, v] of Object.entries(e))
      if (v !== null && typeof v !== 'number' && !(k === 'val' && isObject(v)))
        fail(`history[${i}].${k}`, 'a number', v);
    finiteLeaves(e, `history[${i}]`);
  });
  if (meta.extra !== undefined) object(meta.extra, 'extra');
}
