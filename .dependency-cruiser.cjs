// The module graph the code must keep (docs/architecture.md; CONVENTIONS "Layout"). Run by
// `npm run lint` (lint:graph). Each rule's comment is printed when it fails: it says why the arrow
// is forbidden and where the code should go instead.

/** Tests, fixtures and test harnesses may reach anything (the simulator, the database). */
const TESTS = "(\\.test\\.ts$|\\.int\\.test\\.ts$|\\.property\\.test\\.ts$|^lib/testing/|^lib/sim/)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles-in-lib",
      severity: "error",
      comment:
        "An import circle in lib/ means no module can be read (or tested, or loaded) without the others in the circle. Move the shared part one level down (e.g. words to lib/core/vocabulary.ts, the fleet config to lib/config/current.ts) so the arrows point one way.",
      from: { path: "^lib/" },
      to: { circular: true },
    },
    {
      name: "ui-not-to-db",
      severity: "error",
      comment:
        "app/ and components/ never import lib/db: a route or component that reads tables skips the service that authorises the read and writes the audit record. Call a lib/ service (which takes the actor) instead.",
      from: { path: "^(app|components)/" },
      to: { path: "^lib/db/" },
    },
    {
      name: "rules-not-to-db",
      severity: "error",
      comment:
        "Rules are pure functions of the history and freshness they are given and a `now`: reading the database would make them untestable without one and slow the evaluator. Let the caller pass what the rule needs in RuleContext.",
      from: { path: "^lib/rules/", pathNot: TESTS },
      to: { path: "^lib/db/" },
    },
    {
      name: "telemetry-not-to-db",
      severity: "error",
      comment:
        "Source adapters and parsers turn a target's answer into samples and reports and nothing else; storing them is the collector's job (lib/collector/history*.ts; push ingest is stored by lib/collector/push-ingest.ts). Return the values instead of writing them.",
      from: { path: "^lib/telemetry/", pathNot: TESTS },
      to: { path: "^lib/db/" },
    },
    {
      name: "core-imports-nothing",
      severity: "error",
      comment:
        "lib/core is the shared vocabulary every layer imports; if it imported any of them there would be a circle through it. Keep it to types and constants with no imports from the product.",
      from: { path: "^lib/core/" },
      to: { path: "^(lib|app|components)/", pathNot: "^lib/core/" },
    },
    {
      name: "lib-not-to-ui",
      severity: "error",
      comment:
        "Arrows point app -> components -> lib: the product (lib/) holds no React and no routes, so it runs in the collector process, the CLI scripts and tests. Move what lib needs from app/ or components/ down into lib/.",
      from: { path: "^lib/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "product-not-to-sim",
      severity: "error",
      comment:
        "lib/sim is the simulated fleet for the demo, tests and bench: the product must work against real systems, so nothing it ships may depend on the simulator. Talk to a target over HTTP through lib/telemetry or lib/controls; share a constant by moving it out of lib/sim.",
      from: { path: "^(app|components|lib)/", pathNot: TESTS },
      to: { path: "^lib/sim/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.next)/" },
    // Type-only imports count: a type import is still an arrow a reader follows.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
