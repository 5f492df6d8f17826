/** The taggable-type list is generated from the installed @pulumi/aws and kept current. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { TAGGABLE_TYPES, TAGGABLE_AWS_VERSION } from "../../policy/generated/taggableTypes";
import { render, taggableTypes } from "../../tools/genTaggable";

describe("generated taggable types", () => {
  it("matches what tools/genTaggable.ts reads from the installed @pulumi/aws", () => {
    const pkg = require.resolve("@pulumi/aws/package.json");
    const version = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
    assert.equal(TAGGABLE_AWS_VERSION, version, "regenerate: npx tsx tools/genTaggable.ts");
    const file = fs.readFileSync(path.join(__dirname, "..", "..", "policy", "generated", "taggableTypes.ts"), "utf8");
    assert.equal(file, render(taggableTypes(path.dirname(pkg)), version), "regenerate: npx tsx tools/genTaggable.ts");
  });

  it("holds the taggable types and not the untaggable ones", () => {
    for (const t of ["aws:ec2/instance:Instance", "aws:lambda/function:Function", "aws:sqs/queue:Queue", "aws:s3/bucket:Bucket", "aws:cloudwatch/logGroup:LogGroup"]) assert.ok(TAGGABLE_TYPES.has(t), t);
    for (const t of ["aws:iam/rolePolicy:RolePolicy", "aws:lambda/permission:Permission", "aws:sns/topicSubscription:TopicSubscription", "aws:cloudwatch/eventTarget:EventTarget"]) assert.ok(!TAGGABLE_TYPES.has(t), t);
  });
});
