// Input items: the request shape, and the checked form every operation works on.
import { z } from "zod";
import { MAX_ITEM_TEXT_CHARS } from "../config/limits";
import { invalidRequest } from "../errors";

export const ItemInputSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    text: z.string().max(MAX_ITEM_TEXT_CHARS).optional(),
    content: z.string().max(MAX_ITEM_TEXT_CHARS).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ItemInput = z.infer<typeof ItemInputSchema>;

/** An item ready for an operation: its position in the input, its id and its text. */
export interface PreparedItem {
  index: number;
  id: string;
  text: string;
  metadata: Record<string, unknown>;
}

/**
 * Checks items and assigns ids: an item without an id gets its index. Empty ids,
 * duplicate ids and items without text are rejected, naming every offender.
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
    const text = item.text ?? item.content;
    if (text === undefined) problems.push(`items[${index}] has no text (send "text" or "content")`);
    seen.set(id, [...(seen.get(id) ?? []), index]);
    return { index, id, text: text ?? "", metadata: item.metadata ?? {} };
  });

  for (const [id, indexes] of seen) {
    if (indexes.length > 1) problems.push(`id '${id}' is used by items at indexes ${indexes.join(", ")}`);
  }
  if (problems.length > 0) {
    throw invalidRequest(
      "invalid_items",
      `Invalid items: ${problems.slice(0, 20).join("; ")}${problems.length > 20 ? `; and ${problems.length - 20} more` : ""}. Every item needs text and a unique, non-empty id (or no id, to use its index).`,
      "items",
      { problems },
    );
  }
  return prepared;
}
