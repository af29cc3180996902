// Are the types wrong? (@arethetypeswrong/core, the engine of `attw`) over the packed tarball, with
// the CLI's `--profile esm-only`: our packages are ESM only, so resolutions from CommonJS (node10,
// node16-cjs) are not checked; every other problem fails, as `attw --pack --profile esm-only` exits 1.
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemKindInfo } from '@arethetypeswrong/core/problems';

/** The resolution kinds `attw --profile esm-only` ignores. */
const ESM_ONLY_IGNORED = new Set(['node10', 'node16-cjs']);

/**
 * @param {Uint8Array} tarball the output of `npm pack`
 * @returns {Promise<string[]>}
 */
export async function typesProblems(tarball) {
  const analysis = await checkPackage(createPackageFromTarballData(tarball));
  if (!analysis.types) return ['attw: the package ships no type declarations'];
  return analysis.problems
    .filter((p) => !('resolutionKind' in p) || !ESM_ONLY_IGNORED.has(p.resolutionKind))
    .map((p) => {
      const where =
        'entrypoint' in p ? `${p.entrypoint} (${p.resolutionKind})` : 'fileName' in p ? p.fileName : '';
      return `attw ${p.kind}: ${problemKindInfo[p.kind]?.title ?? p.kind}${where ? ` at ${where}` : ''}`;
    });
}
