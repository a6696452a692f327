// Reads the chunk objects that the input pass writes to R2: one JSON line per item,
// in index order. The chunk consumer and result downloads both read them this way.
import { type ChunkItem, ChunkItemSchema, chunkKey } from "./types";

/** Parses the text of one chunk object into its items. */
export function parseChunkText(text: string): ChunkItem[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => ChunkItemSchema.parse(JSON.parse(line)));
}

/** Reads the items of chunk `n` of a batch, or returns null when its object is missing. */
export async function readChunkItems(bucket: R2Bucket, batchId: string, n: number): Promise<ChunkItem[] | null> {
  const object = await bucket.get(chunkKey(batchId, n));
  if (object === null) return null;
  return parseChunkText(await object.text());
}
