/** Stores a report's two renderings in the report bucket at `reports/cost/YYYY/MM/DD.{md,html}`. */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { reportKeys } from "./keys";

export { REPORT_PREFIX, reportKeys } from "./keys";

export async function storeReport(s3: S3Client, bucket: string, date: string, rendered: { markdown: string; html: string }): Promise<{ markdown: string; html: string }> {
  const keys = reportKeys(date);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.markdown, Body: rendered.markdown, ContentType: "text/markdown; charset=utf-8" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.html, Body: rendered.html, ContentType: "text/html; charset=utf-8" }));
  return keys;
}
