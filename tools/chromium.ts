/**
 * Headless Chromium for the report's rendering test and tools/sampleReport.ts: takes a
 * screenshot of a local HTML file, collects every console message the page produced, and
 * decodes the PNG (8-bit RGB/RGBA, as Chromium writes it) so a test can look at pixels.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inflateSync } from "node:zlib";

export function findChromium(): string | undefined {
  for (const name of [process.env.CHROMIUM_BIN, "chromium", "chromium-browser", "google-chrome"].filter(Boolean) as string[]) {
    const r = spawnSync(name, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return name;
  }
  return undefined;
}

export interface Capture {
  /** Console messages of the page (errors, uncaught exceptions, logs). */
  console: string[];
  png: Buffer;
}

/** Opens `htmlFile` in a fresh profile and screenshots it at width × height. */
export function capturePage(chromium: string, htmlFile: string, opts: { width?: number; height?: number; screenshot?: string } = {}): Capture {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-chromium-"));
  const shot = opts.screenshot ?? path.join(profile, "shot.png");
  try {
    const r = spawnSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        `--window-size=${opts.width ?? 900},${opts.height ?? 1400}`,
        `--screenshot=${shot}`,
        `file://${path.resolve(htmlFile)}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (!fs.existsSync(shot)) throw new Error(`chromium wrote no screenshot (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    const consoleLines = r.stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l));
    return { console: consoleLines, png: fs.readFileSync(shot) };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Buffer;
}

/** Decodes a non-interlaced 8-bit RGB or RGBA PNG. */
export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const len = png.readUInt32BE(offset);
    const type = png.toString("ascii", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
      if (data[8] !== 8 || data[12] !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error("only 8-bit, non-interlaced RGB/RGBA PNGs are supported");
    } else if (type === "IDAT") idat.push(data);
    offset += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = line[x * bpp]!;
      out[(y * width + x) * 4 + 1] = line[x * bpp + 1]!;
      out[(y * width + x) * 4 + 2] = line[x * bpp + 2]!;
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3]! : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

/** Pixels within `tolerance` of an RGB colour. */
export function countColour(img: Image, rgb: [number, number, number], tolerance = 12): number {
  let n = 0;
  for (let i = 0; i < img.rgba.length; i += 4) {
    if (Math.abs(img.rgba[i]! - rgb[0]) <= tolerance && Math.abs(img.rgba[i + 1]! - rgb[1]) <= tolerance && Math.abs(img.rgba[i + 2]! - rgb[2]) <= tolerance) n++;
  }
  return n;
}
