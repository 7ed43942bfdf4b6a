// `npm run rules -- test <file>…`: runs rule unit tests (input series over time → expected
// findings at given times), as `promtool test rules` does. A failing test prints what was
// expected and what came; the exit code is 1 when any test fails.
// `npm run rules -- check <file>…`: validates rules files, naming file:line, rule and field.
import { RulesFileError, formatProblem, loadRulesFile } from "../lib/rules/user";
import { runRuleTestFile } from "../lib/rules/user/rule-tests";

function usage(): never {
  console.error("usage: npm run rules -- test <rule-test-file>…\n       npm run rules -- check <rules-file>…");
  process.exit(2);
}

const [command, ...files] = process.argv.slice(2);
if (!files.length || (command !== "test" && command !== "check")) usage();

let failed = 0;
for (const file of files) {
  try {
    if (command === "check") {
      const { rules } = loadRulesFile(file);
      console.log(`${file}: ${rules.length} rules, no problems`);
      continue;
    }
    const { results, ruleCount } = runRuleTestFile(file);
    console.log(`${file}: ${results.length} tests over ${ruleCount} rules`);
    for (const r of results) {
      if (r.ok) console.log(`  PASS  ${r.name}`);
      else {
        failed++;
        console.log(`  FAIL  ${r.name}\n${r.failures.join("\n")}`);
      }
    }
  } catch (err) {
    failed++;
    if (err instanceof RulesFileError) console.error(err.problems.map(formatProblem).join("\n"));
    else console.error((err as Error).message);
  }
}
if (failed) {
  console.error(`\n${failed} failed`);
  process.exit(1);
}
console.log(command === "test" ? "\nSUCCESS" : "");
