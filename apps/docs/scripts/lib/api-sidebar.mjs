// The API reference keeps one page per package entry point (TypeDoc's "modules" strategy: a few long
// pages that the site's local search indexes), and this adds what those pages lacked: a sidebar that
// lists every exported symbol, grouped by kind, linking to its heading's anchor. The anchors are
// computed the way VitePress computes heading ids (its slugify, made unique in document order), and
// the e2e test checks that every sidebar anchor exists on its page.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noControlCharactersInRegex: VitePress strips control characters from slugs; so must we.
const rControl = /[\u0000-\u001f]/g;
const rSpecial = /[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g;
const rCombining = /[\u0300-\u036F]/g;

/** VitePress's heading slug. */
export function slugify(text) {
  return text
    .normalize('NFKD')
    .replace(rCombining, '')
    .replace(rControl, '')
    .replace(rSpecial, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

/** A heading's text as markdown-it sees it: no escapes, no code backticks, link text only. */
function headingText(markdown) {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1')
    .trim();
}

/**
 * The symbols of one TypeDoc module page: every `###` heading under a `##` kind heading ("Classes",
 * "Functions", ...), with the id VitePress gives it.
 */
export function symbolsOf(markdown) {
  const taken = new Set();
  const unique = (slug) => {
    let id = slug;
    for (let i = 1; taken.has(id); i++) id = `${slug}-${i}`;
    taken.add(id);
    return id;
  };
  const groups = [];
  let fence = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = headingText(h[2]);
    const id = unique(slugify(text));
    if (h[1].length === 2) groups.push({ kind: text, symbols: [] });
    else if (h[1].length === 3 && groups.length > 0)
      groups.at(-1).symbols.push({ name: text.replace(/\(\)$/, ''), id });
  }
  return groups.filter((g) => g.symbols.length > 0);
}

/**
 * Rewrites TypeDoc's sidebar (`api/typedoc-sidebar.json`, one item per module page) so each module
 * item holds its symbols by kind. Returns the number of symbols listed.
 */
export function addSymbolsToSidebar(docsRoot) {
  const file = join(docsRoot, 'api', 'typedoc-sidebar.json');
  const sidebar = JSON.parse(readFileSync(file, 'utf8'));
  let count = 0;
  const expand = (item) => {
    if (Array.isArray(item.items)) item.items = item.items.map(expand);
    if (!item.link) return item;
    const page = item.link.replace(/^\//, '').replace(/(\.md)?$/, '.md');
    const base = item.link.replace(/\.md$/, '');
    const groups = symbolsOf(readFileSync(join(docsRoot, page), 'utf8'));
    if (groups.length === 0) return item;
    const items = groups.map((g) => ({
      text: g.kind,
      collapsed: true,
      items: g.symbols.map((s) => {
        count++;
        return { text: s.name, link: `${base}#${s.id}` };
      }),
    }));
    return { ...item, collapsed: true, items: [...(item.items ?? []), ...items] };
  };
  writeFileSync(file, `${JSON.stringify(sidebar.map(expand), null, 2)}\n`);
  return count;
}
