/**
 * Internal: deterministic strings for the `aux` data of registered nodes. Two aux values get the
 * same string iff they are equal plain data (primitives, JS arrays and plain objects compared
 * structurally) or the very same object/function/symbol (compared by identity), so the string
 * can stand in for aux equality in treedef comparisons and jit cache keys.
 */
import { formatKey } from "./paths.js";

const objectIds = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
let nextId = 1;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_$]/g, "_");
}

function identityToken(x: object | symbol): string {
  if (typeof x === "symbol") {
    let id = symbolIds.get(x);
    if (id === undefined) symbolIds.set(x, (id = nextId++));
    return `<symbol ${safeName(x.description ?? "")}#${id}>`;
  }
  let id = objectIds.get(x);
  if (id === undefined) objectIds.set(x, (id = nextId++));
  if (typeof x === "function") return `<function ${safeName(x.name)}#${id}>`;
  const ctor: unknown = Object.getPrototypeOf(x)?.constructor;
  const name = typeof ctor === "function" && ctor.name ? ctor.name : "object";
  return `<${safeName(name)}#${id}>`;
}

function isPlain(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Internal: the deterministic string of an aux value (see the module comment). */
export function auxString(x: unknown): string {
  const stack = new Set<object>();
  const go = (v: unknown): string => {
    switch (typeof v) {
      case "undefined":
        return "undefined";
      case "number":
        return Object.is(v, -0) ? "-0" : String(v);
      case "bigint":
        return `${v}n`;
      case "string":
        return JSON.stringify(v);
      case "boolean":
        return String(v);
      case "symbol":
      case "function":
        return identityToken(v);
    }
    if (v === null) return "null";
    const obj = v as object;
    if (stack.has(obj) || !(globalThis.Array.isArray(obj) || isPlain(obj))) return identityToken(obj);
    stack.add(obj);
    let s: string;
    if (globalThis.Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) parts.push(go(obj[i]));
      s = `[${parts.join(", ")}]`;
    } else {
      const rec = obj as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      s = `{${keys.map((k) => `${formatKey(k)}: ${go(rec[k])}`).join(", ")}}`;
    }
    stack.delete(obj);
    return s;
  };
  return go(x);
}
