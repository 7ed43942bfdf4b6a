import type { Alternative } from "@/lib/runbooks/parse";
import { Blocks, CodeBlock, InlineText } from "./markdown";

// What a step can carry besides its text: the cautions its author put at it, and alternatives a
// responder picks one of. Shared by the runbook page and the incident checklist.

export function StepCautions({ cautions }: { cautions: readonly string[] }) {
  return (
    <>
      {cautions.map((c, i) => (
        <p key={i} className="mt-1 rounded-md border-l-4 border-sev1 pl-2 text-sm" data-caution>
          <span className="font-semibold">
            <span aria-hidden="true">⚠ </span>Caution:
          </span>{" "}
          <InlineText text={c} />
        </p>
      ))}
    </>
  );
}

export function StepAlternatives({ alternatives }: { alternatives: readonly Alternative[] | undefined }) {
  if (!alternatives?.length) return null;
  return (
    <div className="mt-2" data-alternatives>
      <p className="text-sm font-medium">Pick one of {alternatives.length} alternatives:</p>
      <ul className="mt-1 space-y-2 text-sm">
        {alternatives.map((a, i) => (
          <li key={i} className="rounded-md border border-line p-2">
            <InlineText text={a.label} />
            {a.steps.length ? (
              <ol className="mt-1 list-decimal pl-5">
                {a.steps.map((st, j) => (
                  <li key={j}>
                    <InlineText text={st} />
                  </li>
                ))}
              </ol>
            ) : null}
            {a.detail.length ? (
              <div className="text-muted">
                <Blocks blocks={a.detail} />
              </div>
            ) : null}
            {a.code.map((c, j) => (
              <CodeBlock key={j} code={c.code} lang={c.lang} />
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
