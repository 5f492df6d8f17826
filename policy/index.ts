// costguard's CrossGuard pack. `new PolicyPack(...)` starts the analyzer's gRPC server and never
// returns, so it stays alone here; the rules live in policies/ (see policies/index.ts).
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, { policies, description: "costguard: cost and tag rules with a monthly cost estimate" });
