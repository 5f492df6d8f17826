/** Stores a report's two renderings in the report bucket at `reports/cost/YYYY/MM/DD.{md,html}`. */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** The IAM action of the writes below, on the bucket's report prefix. */
export const STORE_ACTION = "s3:PutObject";

/** Where reports live in the report bucket (the component's lifecycle rule and IAM statement use it too). */
export const REPORT_PREFIX = "reports/cost/";

export function reportKeys(date: string): { markdown: string; html: string } {
  const [y, m, d] = date.split("-");
  const base = `${REPORT_PREFIX}${y}/${m}/${d}`;
  return { markdown: `${base}.md`, html: `${base}.html` };
}

export async function storeReport(s3: S3Client, bucket: string, date: string, rendered: { markdown: string; html: string }): Promise<{ markdown: string; html: string }> {
  const keys = reportKeys(date);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.markdown, Body: rendered.markdown, ContentType: "text/markdown; charset=utf-8" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.html, Body: rendered.html, ContentType: "text/html; charset=utf-8" }));
  return keys;
}
