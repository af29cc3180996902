import type { Tensor } from '@rectifier/tensor';

const enc = new TextEncoder();

/** The bytes the digests hash for each tensor, in key order: name, dtype, shape, raw bytes. */
async function tensorParts(tensors: Record<string, Tensor>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for (const key of Object.keys(tensors).sort()) {
    const t = tensors[key];
    parts.push(enc.encode(`${key}\0${t.dtype}\0${t.shape.join(',')}\0`));
    const d = await t.data();
    parts.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return parts;
}

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
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

/**
 * SHA-256 (hex) over the tensors in key order: for each, its name, dtype, shape and raw bytes.
 * Independent of the file layout, so a checkpoint can be verified after parsing. Uses WebCrypto
 * (global in Node >= 20 and browsers).
 */
export async function tensorsDigest(tensors: Record<string, Tensor>): Promise<string> {
  return sha256Hex(await tensorParts(tensors));
}

/**
 * SHA-256 (hex) over everything a checkpoint restores: the tensors (as `tensorsDigest`) followed by
 * the exact text of its JSON metadata (step, epoch, RNG state, optimizer and schedule settings,
 * meters, history, the caller's extra JSON). Hashing the text rather than a re-serialisation means
 * any change to the stored bytes, even one that parses to an equal value, fails verification.
 */
export async function checkpointDigest(
  tensors: Record<string, Tensor>,
  metadataJson: string,
): Promise<string> {
  const parts = await tensorParts(tensors);
  parts.push(enc.encode('\0rectifier-metadata\0'), enc.encode(metadataJson));
  return sha256Hex(parts);
}
