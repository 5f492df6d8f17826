/**
 * The offline plan: what `pulumi preview` would show, without the Pulumi CLI or AWS.
 *
 *   npm run plan                          the dev stack of this program
 *   npm run plan -- --stack prod          another stack
 *   npm run plan -- --json                machine-readable
 *   npm run plan -- --program <dir>       any Pulumi TypeScript program (its Pulumi.<stack>.yaml)
 *   npm run plan -- --format infracost    Infracost's JSON output format (infracost output/comment)
 *   npm run plan -- --compare base.json   the monthly cost difference against an earlier --json plan
 *
 * Exit codes: 0 ok, 1 mandatory policy violation, 2 config error (stack file, project file,
 * stack config values, policy config, a --compare file that is not a plan JSON), 3 the program
 * failed, 64 bad usage. A config error is printed one line per problem, never with a stack trace;
 * a program failure as its message and the program's own stack frames.
 */
import "./compileCache";
import "./requireNode";
import { isConfigError, planCommand, reportProgramFailure, type PlanIo, type PlanState } from "./offline/planCommand";

// A program's floating promise that rejects, or a throw in a callback it scheduled, fails it as
// the Pulumi host fails it: reported as the program's failure, never as a crash of the plan
// (Node's default would exit 1, the policy-violation code).
const io: PlanIo = { out: (text) => console.log(text), err: (text) => console.error(text) };
const state: PlanState = {};
for (const event of ["unhandledRejection", "uncaughtException"] as const) {
  process.on(event, (err: unknown) => {
    if (state.programDir) process.exit(reportProgramFailure(err, io, state));
    console.error(`the offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(3);
  });
}

planCommand(process.argv.slice(2), io, state).then(
  (code) => process.exit(code),
  (err) => {
    // Never a stack trace for a config error; anything else is a bug in the plan itself.
    console.error(isConfigError(err) ? (err as Error).message : `the offline plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(isConfigError(err) ? 2 : 3);
  },
);
