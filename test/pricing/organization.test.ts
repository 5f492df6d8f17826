/** Organisation mode's cost in the plan, once deployed (outputs resolved): organizationCost.suite.ts. */
import { organisationCostSuite } from "./organizationCost.suite";

organisationCostSuite({ firstPreview: false });
