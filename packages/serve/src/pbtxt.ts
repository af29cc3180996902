/**
 * Protocol-buffer text format, the language of Triton's config.pbtxt: a reader into plain objects
 * (every field an array of values, since any field may repeat) and a writer. Only what model
 * configurations use: scalars, enums, strings, nested messages, `[ ... ]` lists, `#` comments.
 */

export type PbValue = string | number | boolean | PbMessage;
export interface PbMessage {
  [field: string]: PbValue[];
}

/** An enum value in the writer's input (written bare, e.g. TYPE_FP32). */
export class PbEnum {
  constructor(readonly name: string) {}
}

type Token = {
  kind: 'ident' | 'number' | 'string' | 'punct';
  text: string;
  value?: string | number;
  pos: number;
};

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let p = 0;
  while (p < src.length) {
    const c = src[p];
    if (c === '#') {
      while (p < src.length && src[p] !== '\n') p++;
    } else if (/\s/.test(c)) p++;
    else if ('{}[]:,;<>'.includes(c)) out.push({ kind: 'punct', text: c, pos: p++ });
    else if (c === '"' || c === "'") {
      const start = p++;
      let s = '';
      while (p < src.length && src[p] !== c) {
        if (src[p] === '\\') {
          const n = src[p + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          p += 2;
        } else s += src[p++];
      }
      if (p >= src.length) throw new Error(`unterminated string at offset ${start}`);
      p++;
      out.push({ kind: 'string', text: src.slice(start, p), value: s, pos: start });
    } else {
      const m = /^[-+]?(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?/.exec(
        src.slice(p),
      );
      if (m && !/^[-+]?[A-Za-z_]/.test(src.slice(p))) {
        out.push({ kind: 'number', text: m[0], value: Number(m[0].replace(/[fF]$/, '')), pos: p });
        p += m[0].length;
        continue;
      }
      const id = /^-?[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(p));
      if (!id) throw new Error(`unexpected character '${c}' at offset ${p}`);
      out.push({ kind: 'ident', text: id[0], pos: p });
      p += id[0].length;
    }
  }
  return out;
}

/** Parses protobuf text format into nested objects; field values are arrays in file order. */
export function parsePbtxt(src: string): PbMessage {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const fail = (what: string): never => {
    const tok = t[i];
    const line = tok ? src.slice(0, tok.pos).split('\n').length : src.split('\n').length;
    throw new Error(`line ${line}: expected ${what}${tok ? `, found '${tok.text}'` : ' before the end'}`);
  };
  const scalar = (): PbValue => {
    const tok = t[i];
    if (!tok) return fail('a value');
    if (tok.kind === 'string') {
      let s = tok.value as string;
      i++;
      while (t[i]?.kind === 'string') s += t[i++].value as string; // adjacent strings concatenate
      return s;
    }
    if (tok.kind === 'number') {
      i++;
      return tok.value as number;
    }
    if (tok.kind === 'ident') {
      i++;
      if (tok.text === 'true' || tok.text === 'True') return true;
      if (tok.text === 'false' || tok.text === 'False') return false;
      if (/^-?(inf|infinity|nan)$/i.test(tok.text))
        return tok.text.toLowerCase().includes('nan')
          ? Number.NaN
          : tok.text.startsWith('-')
            ? -Infinity
            : Infinity;
      return tok.text;
    }
    return fail('a value');
  };
  const value = (): PbValue => {
    const tok = peek();
    if (tok?.text === '{' || tok?.text === '<') return message(tok.text === '{' ? '}' : '>');
    return scalar();
  };
  const message = (close?: string): PbMessage => {
    if (close) i++;
    const m: PbMessage = {};
    for (;;) {
      const tok = peek();
      if (!tok) {
        if (close) fail(`'${close}'`);
        return m;
      }
      if (close && tok.text === close) {
        i++;
        return m;
      }
      if (tok.kind !== 'ident') fail('a field name');
      const name = tok.text;
      i++;
      let sawColon = false;
      if (peek()?.text === ':') {
        i++;
        sawColon = true;
      }
      const next = peek();
      if (!sawColon && next?.text !== '{' && next?.text !== '<' && next?.text !== '[')
        fail(`':' after '${name}'`);
      m[name] ??= [];
      if (next?.text === '[') {
        i++;
        while (peek()?.text !== ']') {
          m[name].push(value());
          if (peek()?.text === ',') i++;
          else if (peek()?.text !== ']') fail("',' or ']'");
        }
        i++;
      } else m[name].push(value());
      if (peek()?.text === ',' || peek()?.text === ';') i++;
    }
  };
  return message();
}

export type PbWritable = string | number | boolean | PbEnum | PbWritableMessage | PbWritable[];
export interface PbWritableMessage {
  [field: string]: PbWritable | undefined;
}

/** Writes a message in text format: arrays of scalars as `[ a, b ]`, arrays of messages as repeated blocks. */
export function formatPbtxt(m: PbWritableMessage, indent = ''): string {
  const lines: string[] = [];
  const scalar = (v: PbWritable): string => {
    if (v instanceof PbEnum) return v.name;
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  };
  const isMsg = (v: PbWritable): v is PbWritableMessage =>
    typeof v === 'object' && !(v instanceof PbEnum) && !Array.isArray(v);
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length > 0 && isMsg(v[0])) {
        lines.push(`${indent}${k} [`);
        v.forEach((item, j) => {
          lines.push(`${indent}  {`);
          lines.push(formatPbtxt(item as PbWritableMessage, `${indent}    `));
          lines.push(`${indent}  }${j < v.length - 1 ? ',' : ''}`);
        });
        lines.push(`${indent}]`);
      } else lines.push(`${indent}${k}: [ ${v.map(scalar).join(', ')} ]`);
    } else if (isMsg(v)) {
      lines.push(`${indent}${k} {`);
      lines.push(formatPbtxt(v, `${indent}  `));
      lines.push(`${indent}}`);
    } else lines.push(`${indent}${k}: ${scalar(v)}`);
  }
  return lines.filter((l) => l.trim() !== '').join('\n');
}
