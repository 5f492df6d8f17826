/**
 * Just enough Markdown to check the docs' links: headings and links outside code, and the
 * anchors GitHub gives headings. Not a Markdown parser: the docs keep to the plain subset.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.join(__dirname, "..", "..");

/** README.md and every Markdown file under docs/, as paths relative to the repository. */
export function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.posix.join(dir, e.name);
      return e.isDirectory() ? walk(rel) : e.name.endsWith(".md") ? [rel] : [];
    });
  return ["README.md", ...walk("docs").sort()];
}

/** The text with fenced code blocks blanked out (line numbers kept), so their `#` lines and links do not count. */
export function withoutCodeBlocks(text: string): string {
  let fence: string | undefined;
  return text
    .split("\n")
    .map((line) => {
      const m = /^\s*(```+|~~~+)/.exec(line);
      if (fence) {
        if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length) fence = undefined;
        return "";
      }
      if (m) {
        fence = m[1];
        return "";
      }
      return line;
    })
    .join("\n");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a dash. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutCodeBlocks(text).split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images outside code (fenced blocks and `code spans`). */
export function links(text: string): Link[] {
  const out: Link[] = [];
  withoutCodeBlocks(text)
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.replace(/(`+)[^`]*?\1/g, "");
      for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, target: m[1]! });
    });
  return out;
}

/** Relative links of a file that lead nowhere: a missing file, or a heading the target does not have. */
export function brokenLinks(file: string, read: (rel: string) => string | undefined): string[] {
  const text = read(file);
  if (text === undefined) return [`${file}: no such file`];
  const problems: string[] = [];
  for (const { line, target } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const rel = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(pathPart)));
    const where = `${file}:${line}: ${target}`;
    if (rel.startsWith("..")) {
      problems.push(`${where} leaves the repository`);
      continue;
    }
    const content = read(rel.replace(/\/$/, ""));
    if (content === undefined) {
      problems.push(`${where}: ${rel} does not exist`);
      continue;
    }
    if (anchor !== undefined && rel.endsWith(".md") && !anchors(content).has(anchor)) {
      problems.push(`${where}: ${rel} has no heading #${anchor}`);
    }
  }
  return problems;
}

/** Reads a repository file; "" for a directory; undefined when there is nothing there. */
export function readRepoFile(rel: string): string | undefined {
  const p = path.join(root, rel);
  if (!fs.existsSync(p)) return undefined;
  return fs.statSync(p).isDirectory() ? "" : fs.readFileSync(p, "utf8");
}
