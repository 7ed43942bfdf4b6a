// Runbooks: Markdown files → checklists with bindings to controls, live checks and waits.
export * from "./checks";
export {
  parseRunbook,
  classifyHeading,
  FrontMatter,
  KNOWN_CONTROLS,
  SECTION_KINDS,
  type Runbook,
  type Section,
  type SectionKind,
  type Step,
  type ChecklistItem,
  type EscalationCriterion,
  type RunbookProblem,
  type CodeBlock,
} from "./parse";
export { parseBlocks, parseInline, plainText, type Block, type Inline, type ListItem } from "./markdown";
export { loadRunbooks, rulesFor, seedFor, matchesQuery, DEFAULT_RUNBOOK_DIR } from "./load";
