// The source documents the built-in runbooks and rules come from, by the number they are filed
// under, in the words a reader knows them by. Users never see the numbers themselves.

export const SOURCE_DOCUMENTS: Readonly<Record<string, string>> = {
  "000": "Capital invariant runbook",
  "001": "Reconciliation divergence runbook",
  "002": "Trading bot incident runbooks",
  "003": "Futures bot operations runbook",
  "004": "Spot exchange runbook",
  console: "Watchfloor",
};

/** "Spot exchange runbook" for "004"; an unknown source is named as given, never as a bare number. */
export function sourceDocument(source: string | undefined): string | undefined {
  if (!source) return undefined;
  return SOURCE_DOCUMENTS[source] ?? (/^\d+$/.test(source) ? undefined : source);
}
