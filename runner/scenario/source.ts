// A YAML file with positions: parsed once with the `yaml` package, kept as a node tree so that any
// path a validator names (`steps[2].params.delay`) maps back to the line and column a user edits.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { formatPath, type DocPath, type ScenarioProblem } from "./problems.ts";

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class YamlSource {
  readonly file: string;
  readonly text: string;
  /** The plain data (maps as objects), or undefined when the YAML itself is broken. */
  readonly data: unknown;
  /** YAML syntax problems (empty when the text parsed). */
  readonly syntaxProblems: readonly ScenarioProblem[];
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(text: string, file: string) {
    this.file = file;
    this.text = text;
    this.lines = new LineCounter();
    // prettyErrors off: the message stays one line; the position is computed below.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const syntax = this.doc.errors.map((e) => this.problemAtOffset(e.pos[0], [], firstLine(e.message)));
    if (syntax.length === 0) {
      try {
        // Aliases are expanded here; the library caps their count (no "billion laughs").
        this.data = this.doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        syntax.push(this.problemAtOffset(0, [], `the YAML cannot be read as data: ${firstLine((e as Error).message)}`));
      }
    }
    this.syntaxProblems = syntax;
  }

  /** Position of the node at `path` (of its key with `key: true`), or of the deepest ancestor that exists. */
  locate(path: DocPath, options: { key?: boolean } = {}): Position {
    let node: unknown = this.doc.contents;
    let at: Node | null = isNode(node) ? node : null;
    for (const [i, part] of path.entries()) {
      node = isAlias(node) ? node.resolve(this.doc) : node;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(part));
        if (!pair) break;
        if (last && options.key && isNode(pair.key)) return this.position(pair.key);
        node = pair.value;
        // `key:` with no value: point at the key.
        at = isNode(pair.value) ? pair.value : isNode(pair.key) ? pair.key : at;
      } else if (isSeq(node) && typeof part === "number") {
        const item = node.items[part];
        if (!isNode(item)) break;
        node = item;
        at = item;
      } else break;
    }
    return at ? this.position(at) : { line: 1, column: 1 };
  }

  problem(path: DocPath, message: string, options: { key?: boolean } = {}): ScenarioProblem {
    const { line, column } = this.locate(path, options);
    return { file: this.file, line, column, path: formatPath(path), message };
  }

  private position(node: Node): Position {
    return this.offsetPosition(node.range?.[0] ?? 0);
  }

  private offsetPosition(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    // An empty text has no line yet: report 1:1.
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  private problemAtOffset(offset: number, path: DocPath, message: string): ScenarioProblem {
    const { line, column } = this.offsetPosition(offset);
    return { file: this.file, line, column, path: formatPath(path), message: `YAML syntax: ${message}` };
  }
}

const isNode = (n: unknown): n is Node => typeof n === "object" && n !== null && "range" in n;

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

const firstLine = (text: string): string => text.split("\n")[0]?.trim() ?? text;
