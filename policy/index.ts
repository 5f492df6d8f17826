// The policy pack lands with the policy-pack issue. `new PolicyPack(...)` starts a gRPC
// server and never returns, so it will stay alone in this file.
export {};
