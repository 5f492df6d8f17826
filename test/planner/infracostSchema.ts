/** Infracost's published output schema (test/fixtures/infracost), compiled once for the tests. */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "infracost", "infracost.schema.json"), "utf8")) as object;
// The schema is draft-04 and repeats "$schema" inside definitions: not strict-mode clean, but valid.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Schema problems of a document, one line each ("" when valid). */
export function infracostSchemaProblems(doc: unknown): string {
  return validate(doc) ? "" : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("\n");
}
