/**
 * The suites that read the dev stack exactly as Pulumi.dev.yaml declares it, in one process:
 * the program is evaluated once (test/support/stackRun.ts) and every suite reads that run.
 */
import "./costObservability.dev.suite";
import "./wasteEnforcer.suite";
import "./nodeOptimizerAbsent.suite";
import "./spot.suite";
