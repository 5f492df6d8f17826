/**
 * Regenerates the sample daily cost report in docs/ from the Cost Explorer fixture of the
 * tests (test/report/fixtures/costExplorer.ts): Markdown, HTML, and a screenshot of the HTML
 * page taken with headless Chromium (skipped with a message when Chromium is absent).
 *
 *   npx tsx tools/sampleReport.ts
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderHtml, renderMarkdown } from "../runtime/report/render";
import { fixtureReport } from "../test/report/fixtures/report";
import { capturePage, findChromium } from "./chromium";

const DOCS = path.join(__dirname, "..", "docs");

async function main(): Promise<void> {
  fs.mkdirSync(DOCS, { recursive: true });
  const report = await fixtureReport("prod", 90);
  const files = {
    markdown: path.join(DOCS, "cost-report-sample.md"),
    html: path.join(DOCS, "cost-report-sample.html"),
    png: path.join(DOCS, "cost-report-sample.png"),
  };
  fs.writeFileSync(files.markdown, renderMarkdown(report));
  fs.writeFileSync(files.html, renderHtml(report));
  console.log(`wrote ${path.relative(process.cwd(), files.markdown)} and ${path.relative(process.cwd(), files.html)}`);
  const chromium = findChromium();
  if (!chromium) {
    console.log("chromium is not installed (apt-get install -y chromium): the screenshot was not regenerated");
    return;
  }
  const capture = capturePage(chromium, files.html, { width: 860, height: 1920, screenshot: files.png });
  if (capture.console.length) throw new Error(`the page logged to the console:\n${capture.console.join("\n")}`);
  console.log(`wrote ${path.relative(process.cwd(), files.png)} (${capture.png.length} bytes)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
