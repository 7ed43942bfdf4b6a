// key=value fields as bots write them after a log pattern (logfmt, with Python-logging habits):
// `orphaned=0 phantom=1 note="two words" issues=[{"type":"PHANTOM","symbol":"PF_XBTUSD"}]`.
// A bare value that reads as a number, true/false (or Python's True/False) or null/None becomes
// that value; a value starting with `{` or `[` is embedded JSON for nested fields; a quoted value
// is a JSON string. Words that are not key=value pairs are kept as free text. Pure; never throws.

export type LogfmtResult = { ok: true; fields: Record<string, unknown>; text: string } | { ok: false; error: string };

const KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const SPACES = /\s*/y;
const WORD = /\S*/y;
const isSpace = (c: string | undefined) =>
  c !== undefined && (c === " " || c === "\t" || c === "\n" || c === "\r" || /\s/.test(c));

/** Index of the first whitespace at or after `from` (or the end). */
function wordEnd(s: string, from: number): number {
  WORD.lastIndex = from;
  WORD.exec(s);
  return WORD.lastIndex;
}
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const QUOTE = 34; // "
const BACKSLASH = 92; // \\
const OPEN_BRACE = 123; // {
const CLOSE_BRACE = 125; // }
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]

/** Index just past the JSON value starting at `from` (an object or array), or -1 when unbalanced. */
function jsonEnd(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      i = quotedEnd(s, i) - 1;
      if (i < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Index just past the quoted string starting at `from`, or -1 when it is not closed. */
function quotedEnd(s: string, from: number): number {
  for (let i = from + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

function bareValue(v: string): unknown {
  if (NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  if (v === "true" || v === "True") return true;
  if (v === "false" || v === "False") return false;
  if (v === "null" || v === "None") return null;
  return v;
}

export function parseLogfmt(input: string): LogfmtResult {
  const fields: Record<string, unknown> = {};
  const words: string[] = [];
  const s = input;
  let i = 0;
  while (i < s.length) {
    SPACES.lastIndex = i;
    SPACES.exec(s);
    i = SPACES.lastIndex;
    if (i >= s.length) break;
    KEY.lastIndex = i;
    const km = KEY.exec(s);
    if (km && s[i + km[0].length] === "=") {
      const key = km[0];
      let j = i + key.length + 1;
      const c = s[j];
      if (c === '"') {
        const end = quotedEnd(s, j);
        if (end < 0) return { ok: false, error: `value of "${key}" has an opening quote and no closing quote` };
        try {
          fields[key] = JSON.parse(s.slice(j, end));
        } catch {
          return { ok: false, error: `value of "${key}" is not a valid quoted string` };
        }
        j = end;
      } else if (c === "{" || c === "[") {
        const end = jsonEnd(s, j);
        if (end < 0) return { ok: false, error: `value of "${key}" starts embedded JSON that is never closed` };
        try {
          fields[key] = JSON.parse(s.slice(j, end));
        } catch (e) {
          return { ok: false, error: `value of "${key}" is not valid JSON (${(e as Error).message})` };
        }
        j = end;
      } else {
        const end = wordEnd(s, j);
        fields[key] = bareValue(s.slice(j, end));
        j = end;
      }
      if (j < s.length && !isSpace(s[j]))
        return { ok: false, error: `value of "${key}" runs into "${s.slice(j, j + 20)}" without a space` };
      i = j;
      continue;
    }
    const end = wordEnd(s, i);
    words.push(s.slice(i, end));
    i = end;
  }
  return { ok: true, fields, text: words.join(" ") };
}
