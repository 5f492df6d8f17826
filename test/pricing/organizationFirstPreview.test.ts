/**
 * Organisation mode's cost on a first `pulumi preview`, where the sweep's state machine
 * definition is unknown (it names the failsafe function's ARN): the same figures, nothing
 * unpriced (organizationCost.suite.ts).
 */
import { organisationCostSuite } from "./organizationCost.suite";

organisationCostSuite({ firstPreview: true });
