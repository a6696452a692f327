// Input items: the request shape, and the checked form every operation works on.
import { z } from "zod";
import { MAX_ITEM_ID_CHARS, MAX_ITEM_TEXT_CHARS } from "../config/limits";
import { invalidRequest } from "../errors";

const TEXT_TOO_LONG = `is longer than ${MAX_ITEM_TEXT_CHARS} characters; shorten it, split it into several items, or pass long documents as a file batch`;

export const ItemInputSchema = z
  .object({
    id: z.union([z.string().max(MAX_ITEM_ID_CHARS, `is longer than ${MAX_ITEM_ID_CHARS} characters`), z.number()], {
      error: "must be a string or a number",
    }).optional(),
    text: z.string().max(MAX_ITEM_TEXT_CHARS, TEXT_TOO_LONG).optional(),
    content: z.string().max(MAX_ITEM_TEXT_CHARS, TEXT_TOO_LONG).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ItemInput = z.infer<typeof ItemInputSchema>;

/**
 * An item ready for an operation: its position in the input, its id, its text and
 * its metadata. `text` is null when the item sent neither text nor content, which
 * is valid only when no template uses {text} (see assertPlaceholdersFilled).
 */
export interface PreparedItem {
  index: number;
  id: string;
  text: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Checks items and assigns ids: an item without an id gets its index. Empty ids,
 * duplicate ids and items with both text and content are rejected, naming every offender.
 */
export function prepareItems(items: ItemInput[], baseIndex = 0): PreparedItem[] {
  const problems: string[] = [];
  const seen = new Map<string, number[]>();

  const prepared = items.map((item, offset) => {
    const index = baseIndex + offset;
    const id = item.id === undefined ? String(index) : String(item.id);
    if (item.id !== undefined && id.trim() === "") problems.push(`items[${index}].id is empty`);
    if (item.text !== undefined && item.content !== undefined) {
      problems.push(`items[${index}] has both text and content; send one`);
    }
    seen.set(id, [...(seen.get(id) ?? []), index]);
    return { index, id, text: item.text ?? item.content ?? null, metadata: item.metadata ?? {} };
  });

  for (const [id, indexes] of seen) {
    if (indexes.length < 2) continue;
    const implicit = indexes.filter((index) => items[index - baseIndex].id === undefined);
    const note = implicit.length > 0 ? ` (items without an id use their index as id: ${implicit.join(", ")})` : "";
    problems.push(`id "${id}" is used by items at indexes ${indexes.join(", ")}${note}`);
  }
  if (problems.length > 0) {
    throw invalidRequest(
      "invalid_items",
      `Invalid items: ${problems.slice(0, 20).join("; ")}${problems.length > 20 ? `; and ${problems.length - 20} more` : ""}. Give every item a unique, non-empty id, or no id to use its index.`,
      "items",
      { problems },
    );
  }
  return prepared;
}
