// A small TOML reader for the Shopify config files tests check (shopify.app.toml, shopify.extension.toml):
// tables, arrays of tables, dotted keys, basic and literal strings, numbers, booleans, arrays and inline
// tables. It throws on anything else (multi-line strings, dates), so a file it cannot read fails loudly
// instead of being half-read. Not a general TOML implementation; the project has no TOML dependency.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  let i = 0;

  const fail = (message: string): never => {
    const line = text.slice(0, i).split("\n").length;
    throw new Error(`TOML line ${line}: ${message}`);
  };
  const skipSpace = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  };
  const skipComment = () => {
    if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
  };
  // Whitespace, newlines and comments: allowed between array items and table headers.
  const skipAll = () => {
    for (;;) {
      const start = i;
      skipSpace();
      skipComment();
      if (text[i] === "\n" || text[i] === "\r") i++;
      if (i === start) return;
    }
  };
  const endOfLine = () => {
    skipSpace();
    skipComment();
    if (i < text.length && text[i] !== "\n" && text[i] !== "\r") fail(`unexpected ${JSON.stringify(text[i])}`);
  };

  function key(): string {
    skipSpace();
    if (text[i] === '"' || text[i] === "'") return str();
    const match = /^[A-Za-z0-9_-]+/.exec(text.slice(i));
    if (!match) return fail("expected a key");
    i += match[0].length;
    return match[0];
  }

  function dottedKey(): string[] {
    const parts = [key()];
    skipSpace();
    while (text[i] === ".") {
      i++;
      parts.push(key());
      skipSpace();
    }
    return parts;
  }

  function str(): string {
    const quote = text[i];
    if (text.startsWith(quote.repeat(3), i)) return fail("multi-line strings are not supported");
    i++;
    let out = "";
    while (i < text.length && text[i] !== quote) {
      const ch = text[i];
      if (ch === "\n") fail("unterminated string");
      if (quote === '"' && ch === "\\") {
        const next = text[i + 1];
        const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };
        if (next in simple) {
          out += simple[next];
          i += 2;
        } else if (next === "u" || next === "U") {
          const length = next === "u" ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + length);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) fail("bad unicode escape");
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + length;
        } else {
          fail(`bad escape \\${next}`);
        }
        continue;
      }
      out += ch;
      i++;
    }
    if (text[i] !== quote) fail("unterminated string");
    i++;
    return out;
  }

  function value(): TomlValue {
    skipSpace();
    const ch = text[i];
    if (ch === '"' || ch === "'") return str();
    if (ch === "[") {
      i++;
      const items: TomlValue[] = [];
      for (;;) {
        skipAll();
        if (text[i] === "]") {
          i++;
          return items;
        }
        items.push(value());
        skipAll();
        if (text[i] === ",") i++;
        else if (text[i] !== "]") fail("expected , or ] in array");
      }
    }
    if (ch === "{") {
      i++;
      const table: TomlTable = {};
      skipSpace();
      if (text[i] === "}") {
        i++;
        return table;
      }
      for (;;) {
        const path = dottedKey();
        skipSpace();
        if (text[i] !== "=") fail("expected = in inline table");
        i++;
        assign(table, path, value());
        skipSpace();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return table;
        } else fail("expected , or } in inline table");
      }
    }
    const match = /^(true|false|[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?)(?=[\s,\]}#]|$)/.exec(text.slice(i));
    if (!match) return fail(`unsupported value starting ${JSON.stringify(text.slice(i, i + 12))}`);
    i += match[0].length;
    if (match[0] === "true" || match[0] === "false") return match[0] === "true";
    return Number(match[0].replace(/_/g, ""));
  }

  function tableAt(path: string[], from: TomlTable): TomlTable {
    let node = from;
    for (const part of path) {
      const next = node[part];
      if (next === undefined) node = node[part] = {};
      else if (Array.isArray(next)) node = next[next.length - 1] as TomlTable;
      else if (typeof next === "object") node = next;
      else return fail(`${path.join(".")} is not a table`);
    }
    return node;
  }

  function assign(table: TomlTable, path: string[], v: TomlValue) {
    const parent = tableAt(path.slice(0, -1), table);
    const last = path[path.length - 1];
    if (last in parent) fail(`duplicate key ${path.join(".")}`);
    parent[last] = v;
  }

  for (;;) {
    skipAll();
    if (i >= text.length) return root;
    if (text.startsWith("[[", i)) {
      i += 2;
      const path = dottedKey();
      if (!text.startsWith("]]", i)) fail("expected ]]");
      i += 2;
      const parent = tableAt(path.slice(0, -1), root);
      const last = path[path.length - 1];
      const list = (parent[last] ??= []) as TomlValue[];
      if (!Array.isArray(list)) fail(`${path.join(".")} is not an array of tables`);
      const table: TomlTable = {};
      list.push(table);
      current = table;
    } else if (text[i] === "[") {
      i++;
      const path = dottedKey();
      if (text[i] !== "]") fail("expected ]");
      i++;
      current = tableAt(path, root);
    } else {
      const path = dottedKey();
      skipSpace();
      if (text[i] !== "=") fail("expected =");
      i++;
      assign(current, path, value());
    }
    endOfLine();
  }
}
