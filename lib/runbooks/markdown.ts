// A small, total Markdown reader for the subset runbooks use: ATX and setext headings, bold and
// "Label:" pseudo-headings, ordered (`1.` and `1)`) and unordered lists with nesting, fenced and
// indented code, pipe tables, block quotes, rules and paragraphs. It never throws: anything it
// does not recognise is a paragraph. Inline markup is kept as source text and parsed on demand
// (parseInline), so the same strings serve search, plain text and rendering.
//
// Written by hand rather than pulling a Markdown package: the checklist needs the block
// structure, not HTML, and the subset is small enough to test exhaustively.

export type Block =
  | { type: "heading"; level: number; text: string; pseudo?: boolean }
  | { type: "paragraph"; text: string }
  | { type: "list"; ordered: boolean; start: number; items: ListItem[] }
  | { type: "code"; lang: string; code: string }
  | { type: "table"; header: string[]; rows: string[][] }
  | { type: "quote"; blocks: Block[] }
  /** A call-out: `!!! warning`, `:::danger … :::`, `> **Warning**`, `> [!CAUTION]`, a Hugo notice. */
  | { type: "admonition"; kind: string; title?: string; blocks: Block[] }
  | { type: "hr" };

export interface ListItem {
  /** The item's own text (its first paragraph), inline Markdown. */
  text: string;
  /** Nested lists, code blocks and further paragraphs. */
  children: Block[];
}

export type Inline =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "strong"; c: Inline[] }
  | { t: "em"; c: Inline[] }
  | { t: "link"; href: string; c: Inline[] };

/** CRLF and lone CR become LF; a byte-order mark goes; tabs become four spaces. */
export function normaliseNewlines(src: string): string {
  return src
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "    ");
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:( +)(.*))?$/;
const TABLE_DELIM = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const COMMENT_START = /^ {0,3}<!--/;
/** MkDocs `!!! warning "Title"` (and collapsible `???`), content indented under it. */
const MKDOCS_ADMONITION = /^ {0,3}(?:!!!|\?\?\?\+?)\s*([A-Za-z]+)(?:\s+"([^"]*)")?\s*$/;
/** Docusaurus / VuePress `:::danger Title`, closed by `:::`. */
const COLON_FENCE = /^ {0,3}:::\s*([A-Za-z]+)\s*(.*)$/;
/** The first line of a quote that makes it a call-out: `**Warning**`, `**Danger:**`, `[!WARNING]`, `⚠️ Warning:`. */
const QUOTE_CALLOUT =
  /^\s*(?:\[!([A-Za-z]+)\]|(?:⚠️?\s*)?(?:\*\*|__)?(warning|danger|caution|important|note|tip|attention)(?:\*\*|__)?\s*(?:[:!.—-]|(?:\*\*|__))?)\s*(.*)$/i;

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string | undefined) => line === undefined || line.trim() === "";

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (ch === "`") {
      inCode = !inCode;
      cur += ch;
    } else if (ch === "|" && !inCode) {
      cells.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

/** A line that starts a block other than a paragraph (so it interrupts a paragraph). */
function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE.test(line) ||
    ATX.test(line) ||
    HR.test(line) ||
    QUOTE.test(line) ||
    (LIST_ITEM.test(line) && !isBlank(line.replace(LIST_ITEM, "$4"))) ||
    (line.includes("|") && next !== undefined && TABLE_DELIM.test(next) && next.includes("-"))
  );
}

/** Block structure of a Markdown document (front matter already removed). */
export function parseBlocks(src: string): Block[] {
  return blocksOf(normaliseNewlines(src).split("\n"));
}

function blocksOf(lines: string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    if (COMMENT_START.test(line)) {
      while (i < lines.length && !lines[i]!.includes("-->")) i++;
      i++;
      continue;
    }
    const mk = MKDOCS_ADMONITION.exec(line);
    if (mk) {
      const body: string[] = [];
      i++;
      while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i]!) >= 4)) {
        if (isBlank(lines[i]) && (i + 1 >= lines.length || (!isBlank(lines[i + 1]) && indentOf(lines[i + 1]!) < 4)))
          break;
        body.push(lines[i]!.slice(Math.min(4, indentOf(lines[i]!))));
        i++;
      }
      out.push({
        type: "admonition",
        kind: mk[1]!.toLowerCase(),
        ...(mk[2] ? { title: mk[2] } : {}),
        blocks: blocksOf(body),
      });
      continue;
    }
    const colon = COLON_FENCE.exec(line);
    if (colon && colon[1]) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^ {0,3}:::\s*$/.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      const title = colon[2]!.trim();
      out.push({
        type: "admonition",
        kind: colon[1].toLowerCase(),
        ...(title ? { title } : {}),
        blocks: blocksOf(body),
      });
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const [, ind = "", marker = "", lang = ""] = fence;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const l = lines[i]!;
        const close = l.trim();
        if (close.startsWith(marker[0]!.repeat(marker.length)) && /^([`~])\1*$/.test(close) && indentOf(l) <= 3) break;
        body.push(l.startsWith(ind) ? l.slice(ind.length) : l.trimStart());
        i++;
      }
      i++;
      out.push({ type: "code", lang, code: body.join("\n") });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      out.push({ type: "heading", level: atx[1]!.length, text: (atx[2] ?? "").trim() });
      i++;
      continue;
    }
    if (HR.test(line)) {
      out.push({ type: "hr" });
      i++;
      continue;
    }
    if (indentOf(line) >= 4) {
      const body: string[] = [];
      while (
        i < lines.length &&
        (indentOf(lines[i]!) >= 4 || (isBlank(lines[i]) && i + 1 < lines.length && indentOf(lines[i + 1]!) >= 4))
      ) {
        body.push(lines[i]!.slice(4));
        i++;
      }
      out.push({ type: "code", lang: "", code: body.join("\n").replace(/\n+$/, "") });
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (
        i < lines.length &&
        !isBlank(lines[i]) &&
        (QUOTE.test(lines[i]!) || !startsBlock(lines[i]!, lines[i + 1]))
      ) {
        const m = QUOTE.exec(lines[i]!);
        inner.push(m ? m[1]! : lines[i]!);
        i++;
      }
      const callout = QUOTE_CALLOUT.exec(inner[0] ?? "");
      if (callout) {
        const rest = [callout[3] ?? "", ...inner.slice(1)];
        out.push({ type: "admonition", kind: (callout[1] ?? callout[2]!).toLowerCase(), blocks: blocksOf(rest) });
      } else out.push({ type: "quote", blocks: blocksOf(inner) });
      continue;
    }
    const next = lines[i + 1];
    if (line.includes("|") && next !== undefined && TABLE_DELIM.test(next) && next.includes("-")) {
      const header = splitRow(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && !isBlank(lines[i]) && lines[i]!.includes("|")) {
        rows.push(splitRow(lines[i]!));
        i++;
      }
      out.push({ type: "table", header, rows });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if ((item && (item[4] ?? "").trim() !== "") || (item && !isBlank(next) && indentOf(next!) > indentOf(line))) {
      i = readList(lines, i, out);
      continue;
    }
    // Paragraph, possibly turned into a setext heading by the line under it.
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i])) {
      const l = lines[i]!;
      if (para.length && SETEXT.test(l)) {
        out.push({ type: "heading", level: l.trim().startsWith("=") ? 1 : 2, text: para.join(" ").trim() });
        para.length = 0;
        i++;
        break;
      }
      if (para.length && startsBlock(l, lines[i + 1])) break;
      para.push(l.trim());
      i++;
    }
    if (para.length) out.push(...paragraphOrPseudoHeading(para));
  }
  return out;
}

const BOLD_LINE = /^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$/;
const BOLD_LINE_COLON_OUT = /^(?:\*\*|__)(.+?):?(?:\*\*|__)\s*:?\s*$/;
const LABEL_LINE = /^([A-Z][A-Za-z0-9 /&'()-]{0,48}?)\s*:\s*$/;

/**
 * `**Signal**`, `__Recovery:__` or a short `Trigger:` line on its own is a heading in all but
 * name; make it one so its list gets classified like any other section.
 */
function paragraphOrPseudoHeading(lines: string[]): Block[] {
  const first = lines[0]!;
  const bold = BOLD_LINE.test(first) ? BOLD_LINE_COLON_OUT.exec(first) : null;
  const label = !bold && lines.length === 1 ? LABEL_LINE.exec(first) : null;
  const text = bold?.[1] ?? label?.[1];
  if (text && !text.includes("**")) {
    const rest = lines.slice(1);
    return [
      { type: "heading", level: 0, text: text.trim(), pseudo: true },
      ...(rest.length ? [{ type: "paragraph" as const, text: rest.join(" ") }] : []),
    ];
  }
  return [{ type: "paragraph", text: lines.join(" ") }];
}

/** Reads one list starting at `start`; returns the index after it. */
function readList(lines: string[], start: number, out: Block[]): number {
  const first = LIST_ITEM.exec(lines[start]!)!;
  const baseIndent = first[1]!.length;
  const ordered = /\d/.test(first[2]!);
  const delimiter = ordered ? first[2]!.slice(-1) : first[2]!;
  const items: ListItem[] = [];
  let i = start;
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]!);
    if (!m || m[1]!.length !== baseIndent) break;
    const isOrdered = /\d/.test(m[2]!);
    if (isOrdered !== ordered || (ordered ? m[2]!.slice(-1) : m[2]!) !== delimiter) break;
    const contentIndent = baseIndent + m[2]!.length + Math.min((m[3] ?? " ").length, 4);
    const own: string[] = [(m[4] ?? "").trim()];
    const body: string[] = [];
    i++;
    // Continuation of the item's text: the lines right under it that start nothing new (lazy or indented).
    const rel = (l: string) => l.slice(Math.min(indentOf(l), contentIndent));
    while (
      i < lines.length &&
      !isBlank(lines[i]) &&
      (indentOf(lines[i]!) >= contentIndent
        ? !startsBlock(rel(lines[i]!), lines[i + 1] && rel(lines[i + 1]!)) && indentOf(lines[i]!) < contentIndent + 4
        : !startsBlock(lines[i]!, lines[i + 1]))
    ) {
      own.push(lines[i]!.trim());
      i++;
    }
    // Indented content belongs to the item; a blank line ends it unless indented content follows.
    while (i < lines.length) {
      const l = lines[i]!;
      if (isBlank(l)) {
        let j = i + 1;
        while (j < lines.length && isBlank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]!) >= Math.min(contentIndent, baseIndent + 2)) {
          for (; i < j; i++) body.push("");
          continue;
        }
        break;
      }
      if (indentOf(l) > baseIndent && indentOf(l) >= Math.min(contentIndent, baseIndent + 2)) {
        body.push(l.slice(Math.min(indentOf(l), contentIndent)));
        i++;
        continue;
      }
      if (body.length && !startsBlock(l, lines[i + 1]) && !isBlank(body[body.length - 1])) {
        body.push(l.trim()); // lazy continuation of a nested paragraph
        i++;
        continue;
      }
      break;
    }
    let text = own.filter(Boolean).join(" ");
    const children = blocksOf(body);
    // An item whose text is empty but whose body starts with a paragraph takes that as its text.
    if (!text && children[0]?.type === "paragraph") text = (children.shift() as { text: string }).text;
    items.push({ text, children });
    // Blank lines between items of the same list do not end it.
    let j = i;
    while (j < lines.length && isBlank(lines[j])) j++;
    const nm = j < lines.length ? LIST_ITEM.exec(lines[j]!) : null;
    if (nm && nm[1]!.length === baseIndent && /\d/.test(nm[2]!) === ordered) i = j;
  }
  out.push({ type: "list", ordered, start: ordered ? Number.parseInt(first[2]!, 10) : 1, items });
  return i;
}

/** Inline Markdown → nodes: code spans, bold, italics, links; everything else is text. */
export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ t: "text", v: text });
    text = "";
  };
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === "\\" && i + 1 < src.length && /[\\`*_[\]()#|<>{}!.-]/.test(src[i + 1]!)) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      const run = /^`+/.exec(src.slice(i))![0];
      const end = src.indexOf(run, i + run.length);
      if (end > 0) {
        flush();
        out.push({ t: "code", v: src.slice(i + run.length, end).replace(/^ (.*) $/, "$1") });
        i = end + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    if ((ch === "*" || ch === "_") && src[i + 1] === ch) {
      const end = src.indexOf(ch + ch, i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: "strong", c: parseInline(src.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (
      (ch === "*" || ch === "_") &&
      src[i + 1] !== ch &&
      src[i + 1] !== " " &&
      (ch === "*" || i === 0 || /\W/.test(src[i - 1]!))
    ) {
      const rest = src.slice(i + 1);
      const m = ch === "*" ? /^([^*]+?)\*(?!\*)/.exec(rest) : /^([^_]+?)_(?![A-Za-z0-9])/.exec(rest);
      if (m && !m[1]!.endsWith(" ")) {
        flush();
        out.push({ t: "em", c: parseInline(m[1]!) });
        i += m[0].length + 1;
        continue;
      }
    }
    if (ch === "[") {
      const m = /^\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/.exec(src.slice(i));
      if (m) {
        flush();
        out.push({ t: "link", href: m[2]!, c: parseInline(m[1]!) });
        i += m[0].length;
        continue;
      }
    }
    if (ch === "<") {
      const m = /^<(https?:\/\/[^>\s]+)>/.exec(src.slice(i));
      if (m) {
        flush();
        out.push({ t: "link", href: m[1]!, c: [{ t: "text", v: m[1]! }] });
        i += m[0].length;
        continue;
      }
    }
    text += ch;
    i++;
  }
  flush();
  return out;
}

/** Inline Markdown → plain text (for search, titles and matching). */
export function plainText(src: string): string {
  const walk = (nodes: Inline[]): string =>
    nodes.map((n) => (n.t === "text" || n.t === "code" ? n.v : walk(n.c))).join("");
  return walk(parseInline(src)).replace(/\s+/g, " ").trim();
}

/** Plain text of blocks, for search. */
export function blocksText(blocks: readonly Block[]): string {
  const parts: string[] = [];
  const visit = (b: Block) => {
    switch (b.type) {
      case "heading":
      case "paragraph":
        parts.push(plainText(b.text));
        break;
      case "list":
        for (const it of b.items) {
          parts.push(plainText(it.text));
          it.children.forEach(visit);
        }
        break;
      case "code":
        parts.push(b.code);
        break;
      case "table":
        parts.push(b.header.join(" "), ...b.rows.map((r) => r.join(" ")));
        break;
      case "quote":
      case "admonition":
        b.blocks.forEach(visit);
        break;
      case "hr":
        break;
    }
  };
  blocks.forEach(visit);
  return parts.join("\n");
}
