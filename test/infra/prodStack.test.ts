/**
 * The suites that read the prod stack exactly as Pulumi.prod.yaml declares it, in one process:
 * the program is evaluated once (test/support/stackRun.ts) and every suite reads that run.
 */
import "./costObservability.prod.suite";
import "./foundation.prod.suite";
import "./wasteEnforcerProd.suite";
