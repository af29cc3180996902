// publint (https://publint.dev) over the packed tarball, strict: its warnings count as errors, as
// `publint --strict` does; suggestions are printed but do not fail. Linting the tarball, publint
// sees only what ships: an entry point that is not packed is "does not exist" (where `publint` on the
// folder says "not published"), and tarball-contents.mjs names it too.
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

/**
 * @param {Uint8Array} tarball the output of `npm pack`
 * @returns {Promise<{ problems: string[], suggestions: string[] }>}
 */
export async function publintProblems(tarball) {
  const buffer = tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength);
  const { messages, pkg } = await publint({ strict: true, pack: { tarball: buffer } });
  const line = (m) => `publint ${m.code}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`;
  return {
    problems: messages.filter((m) => m.type !== 'suggestion').map(line),
    suggestions: messages.filter((m) => m.type === 'suggestion').map(line),
  };
}
