import { parseInline, type Block, type Inline } from "@/lib/runbooks/markdown";
import { CopyButton } from "./copy-button";

// Renders the Markdown subset lib/runbooks parses. Text is always rendered as text (never as
// HTML), and only http(s), relative and in-page links become links.

const SAFE_HREF = /^(https?:\/\/|\/(?!\/)|#|\.{0,2}\/?[\w-])/i;

function Nodes({ nodes }: { nodes: Inline[] }) {
  return (
    <>
      {nodes.map((n, i) => {
        switch (n.t) {
          case "text":
            return <span key={i}>{n.v}</span>;
          case "code":
            return (
              <code key={i} className="rounded bg-surface-2 px-1 py-0.5 font-mono text-[0.9em] break-words">
                {n.v}
              </code>
            );
          case "strong":
            return (
              <strong key={i}>
                <Nodes nodes={n.c} />
              </strong>
            );
          case "em":
            return (
              <em key={i}>
                <Nodes nodes={n.c} />
              </em>
            );
          case "link":
            return SAFE_HREF.test(n.href) && !/^javascript:/i.test(n.href) ? (
              <a
                key={i}
                href={n.href}
                className="text-accent underline"
                {...(/^https?:/.test(n.href) ? { rel: "noopener noreferrer", target: "_blank" } : {})}
              >
                <Nodes nodes={n.c} />
              </a>
            ) : (
              <span key={i}>
                <Nodes nodes={n.c} />
              </span>
            );
        }
      })}
    </>
  );
}

export function InlineText({ text }: { text: string }) {
  return <Nodes nodes={parseInline(text)} />;
}

export function CodeBlock({ code, lang }: { code: string; lang?: string }) {
  return (
    <div className="mt-2 rounded-md border border-line bg-bg">
      <div className="flex items-center justify-between gap-2 border-b border-line px-2 py-1">
        <span className="font-mono text-xs text-muted">{lang || "text"}</span>
        <CopyButton text={code} label={`Copy ${lang ? `${lang} ` : ""}code: ${code.split("\n")[0]!.slice(0, 60)}`} />
      </div>
      <pre className="overflow-x-auto p-2 font-mono text-xs" tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function Blocks({ blocks }: { blocks: readonly Block[] }) {
  return (
    <>
      {blocks.map((b, i) => {
        switch (b.type) {
          case "heading":
            return (
              <p key={i} className="mt-2 font-semibold">
                <InlineText text={b.text} />
              </p>
            );
          case "paragraph":
            return (
              <p key={i} className="mt-2 text-sm">
                <InlineText text={b.text} />
              </p>
            );
          case "code":
            return <CodeBlock key={i} code={b.code} lang={b.lang} />;
          case "hr":
            return <hr key={i} className="my-3 border-line" />;
          case "quote":
            return (
              <blockquote key={i} className="mt-2 border-l-2 border-line pl-3 text-sm text-muted">
                <Blocks blocks={b.blocks} />
              </blockquote>
            );
          case "admonition":
            return (
              <aside
                key={i}
                aria-label={b.title ?? b.kind}
                className={`mt-2 rounded-md border-l-4 p-2 text-sm ${/warn|danger|caution|error|attention|important/.test(b.kind) ? "border-sev1" : "border-accent"}`}
              >
                <p className="font-semibold capitalize">{b.title ?? b.kind}</p>
                <Blocks blocks={b.blocks} />
              </aside>
            );
          case "list": {
            const items = b.items.map((it, j) => (
              <li key={j} className="mt-1">
                <InlineText text={it.text} />
                {it.children.length ? <Blocks blocks={it.children} /> : null}
              </li>
            ));
            return b.ordered ? (
              <ol key={i} start={b.start} className="mt-2 list-decimal space-y-1 pl-6 text-sm">
                {items}
              </ol>
            ) : (
              <ul key={i} className="mt-2 list-disc space-y-1 pl-6 text-sm">
                {items}
              </ul>
            );
          }
          case "table":
            return (
              <div
                key={i}
                role="region"
                aria-label="Table"
                tabIndex={0}
                className="mt-2 overflow-x-auto rounded-md border border-line"
              >
                <table className="w-full text-left text-sm">
                  <thead className="border-b border-line text-muted">
                    <tr>
                      {b.header.map((h, j) => (
                        <th key={j} scope="col" className="px-2 py-1 font-medium">
                          <InlineText text={h} />
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {b.rows.map((r, j) => (
                      <tr key={j} className="border-b border-line last:border-0">
                        {r.map((c, k) => (
                          <td key={k} className="px-2 py-1 align-top">
                            <InlineText text={c} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
        }
      })}
    </>
  );
}
