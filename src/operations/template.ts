// Prompt templates: `{name}` placeholders filled from an item's fields in one pass.
// Only `{identifier}` is a placeholder, so JSON examples and other braces stay literal;
// `{{name}}` writes a literal `{name}`. Names are case-sensitive.
import { invalidRequest } from "../errors";
import type { PreparedItem } from "./items";

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A template and the request parameter it came from, for error messages. */
export interface NamedTemplate {
  param: string;
  template: string;
}

/** Returns the placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match[2] !== undefined) names.add(match[2]);
  }
  return [...names];
}

/**
 * Returns the values a template can use for one item: its metadata, its `id` and,
 * when it has text, its `text`. The item's own id and text win over metadata keys
 * of the same name.
 */
export function templateFields(item: PreparedItem): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...item.metadata, id: item.id };
  if (item.text !== null) fields.text = item.text;
  return fields;
}

/** Renders a value for a prompt: null as an empty string, objects and arrays as JSON. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Fills a template in one pass, so braces inside inserted values are never expanded. */
export function renderTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (whole, escaped: string | undefined, name: string | undefined) => {
    if (escaped !== undefined) return `{${escaped}}`;
    // Callers check placeholders first (assertPlaceholdersFilled), so `whole` is never sent.
    return Object.hasOwn(fields, name!) ? renderValue(fields[name!]) : whole;
  });
}

/** Lists, per placeholder, the indexes of items that lack it. */
export function missingPlaceholders(templates: readonly NamedTemplate[], items: readonly PreparedItem[]): Map<string, number[]> {
  const missing = new Map<string, number[]>();
  const names = new Set(templates.flatMap((named) => placeholdersOf(named.template)));
  for (const item of items) {
    const fields = templateFields(item);
    for (const name of names) {
      if (!Object.hasOwn(fields, name)) missing.set(name, [...(missing.get(name) ?? []), item.index]);
    }
  }
  return missing;
}

function indexList(indexes: number[]): string {
  return indexes.slice(0, 20).join(", ") + (indexes.length > 20 ? `, ... (${indexes.length} items)` : "");
}

/**
 * Rejects a request whose templates use fields that some or all items lack, listing
 * the placeholders, the 0-based indexes of the items without them and the fields
 * that do exist.
 */
export function assertPlaceholdersFilled(templates: readonly NamedTemplate[], items: readonly PreparedItem[]): void {
  const missing = missingPlaceholders(templates, items);
  if (missing.size === 0) return;

  const available = [...new Set(items.flatMap((item) => Object.keys(templateFields(item))))].sort();
  const unknown = [...missing].filter(([, indexes]) => indexes.length === items.length).map(([name]) => name);
  const partial = [...missing].filter(([, indexes]) => indexes.length < items.length);
  const parts: string[] = [];
  if (unknown.length > 0) {
    parts.push(`unknown placeholder(s) ${unknown.map((name) => `{${name}}`).join(", ")}: no item has these fields`);
  }
  for (const [name, indexes] of partial) {
    parts.push(`placeholder {${name}} missing in items [${indexList(indexes)}]`);
  }
  const textHint = missing.has("text") ? ' Items without "text" or "content" can only be used with templates that do not use {text}.' : "";
  const first = [...missing.keys()][0];
  const param = templates.find((named) => placeholdersOf(named.template).includes(first))?.param;

  throw invalidRequest(
    "missing_placeholder",
    `${parts.join("; ")}. Available fields: ${available.join(", ")}. Placeholder names are case-sensitive; write {{name}} for a literal {name}.${textHint}`,
    param,
    { unknown, missing: Object.fromEntries(partial), available },
  );
}
