import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { renderHtml } from "../../runtime/report/render";
import { capturePage, countColour, decodePng, findChromium } from "../../tools/chromium";
import { emptyReport, fixtureReport } from "./fixtures/report";

const chromium = findChromium();
const skip = chromium ? false : "chromium is not installed (apt-get install -y chromium; .ci/run installs it): the HTML report was not opened in a browser";
/** The chart's bar colour (runtime/report/render.ts CSS). */
const BAR: [number, number, number] = [0x4a, 0x7b, 0xd0];

function write(html: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-html-"));
  const file = path.join(dir, "report.html");
  fs.writeFileSync(file, html);
  return file;
}

describe("the HTML report in headless Chromium", { skip }, () => {
  it("the harness notices console errors (control page)", () => {
    const page = write("<!DOCTYPE html><html><body><script>notDefined()</script></body></html>");
    const { console } = capturePage(chromium!, page, { width: 400, height: 300 });
    assert.ok(console.some((l) => /notDefined is not defined/.test(l)), `console was: ${console.join("\n")}`);
  });

  it("renders the fixture report without console errors and with the chart drawn", async () => {
    const { console, png } = capturePage(chromium!, write(renderHtml(await fixtureReport())));
    assert.deepEqual(console, []);
    assert.ok(png.length > 20_000, `screenshot is only ${png.length} bytes`);
    const img = decodePng(png);
    assert.equal(img.width, 900);
    // 30 bars of ~14 px width and 60-190 px height: thousands of bar-coloured pixels. The
    // share meters use the same colour but are 8 px high: far fewer.
    const barPixels = countColour(img, BAR);
    assert.ok(barPixels > 30 * 14 * 50, `only ${barPixels} bar-coloured pixels: the chart did not render`);
  });

  it("renders the empty-account report without console errors", async () => {
    const { console, png } = capturePage(chromium!, write(renderHtml(await emptyReport())));
    assert.deepEqual(console, []);
    assert.ok(decodePng(png).height > 0);
  });
});
