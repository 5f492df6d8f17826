/**
 * The repository's TypeScript sources as data, for tests about how the code is laid out: which
 * files exist, what each imports (type-only imports included: a cycle of types is still a cycle
 * a reader has to untangle), and the text of their comments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export const ROOT = path.join(__dirname, "..", "..");

/** Every .ts file under `dir` (relative to the repository), as repository-relative paths with `/`. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "fixtures") walk(p);
      } else if (e.name.endsWith(".ts")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export interface ImportEdge {
  /** The specifier as written. */
  specifier: string;
  /** Repository-relative path of the imported file, for relative specifiers. */
  file?: string;
  typeOnly: boolean;
}

/** The static imports and re-exports of a file. */
export function importsOf(file: string): ImportEdge[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const edges: ImportEdge[] = [];
  for (const st of sf.statements) {
    let specifier: string | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      specifier = st.moduleSpecifier.text;
      const c = st.importClause;
      typeOnly = !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      specifier = st.moduleSpecifier.text;
      typeOnly = st.isTypeOnly || (!!st.exportClause && ts.isNamedExports(st.exportClause) && st.exportClause.elements.length > 0 && st.exportClause.elements.every((e) => e.isTypeOnly));
    }
    if (specifier === undefined) continue;
    edges.push({ specifier, typeOnly, file: specifier.startsWith(".") ? resolve(file, specifier) : undefined });
  }
  return edges;
}

function resolve(from: string, specifier: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
  return base;
}

/** Every import cycle among `files` (each as the list of files around it), type-only imports included. */
export function importCycles(files: string[]): string[][] {
  const within = new Set(files);
  const cycles = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const e of importsOf(f)) {
      if (!e.file || !within.has(e.file)) continue;
      if (state.get(e.file) === "open") {
        const cycle = stack.slice(stack.indexOf(e.file));
        cycles.set([...cycle].sort().join(" "), cycle);
      } else if (!state.has(e.file)) visit(e.file);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return [...cycles.values()];
}

/** The text of every comment in a file (line and block comments), with the line it starts on. */
export function commentsOf(file: string): { line: number; text: string }[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = new Map<number, { line: number; text: string }>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) found.set(r.pos, { line: sf.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
  };
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.forEachChild(visit);
  };
  visit(sf);
  collect(ts.getLeadingCommentRanges(text, sf.endOfFileToken.getFullStart()));
  return [...found.values()].sort((a, b) => a.line - b.line);
}
