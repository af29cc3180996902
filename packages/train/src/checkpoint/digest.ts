import type { Tensor } from '@rectifier/tensor';

/**
 * SHA-256 (hex) over the tensors in key order: for each, its name, dtype, shape and raw bytes.
 * Independent of the file layout, so a checkpoint can be verified after parsing. Uses WebCrypto
 * (global in Node >= 20 and browsers).
 */
export async function tensorsDigest(tensors: Record<string, Tensor>): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const key of Object.keys(tensors).sort()) {
    const t = tensors[key];
    parts.push(enc.encode(`${key}\0${t.dtype}\0${t.shape.join(',')}\0`));
    const d = await t.data();
    parts.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  const h = await globalThis.crypto.subtle.digest('SHA-256', all);
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, '0')).join('');
}
