// The input of each item, read back from the batch's chunk objects in R2 so that a
// download can show it next to the result. Results are read in index order, and so are
// the chunks: one chunk is held in memory at a time.
import { readChunkItems } from "../batch/chunk-objects";
import { coordinatorFor } from "../batch/coordinator-stub";
import type { ChunkItem, ChunkRange } from "../batch/types";
import { EXPORT_CHUNK_RANGES_PER_REQUEST } from "../config/limits";
import type { Env } from "../env";
import type { Logger } from "../log/logger";

/** An item's input as the batch ran it: the text and the metadata (for files, the other columns). */
export interface ItemInput {
  text: string | null;
  metadata: Record<string, unknown>;
}

/** Where a batch's chunks are: their positions (from the coordinator) and their items (from R2). */
export interface ChunkSource {
  /** Lists up to `limit` chunk positions in index order, from the chunk containing item `index` on. */
  rangesFrom(index: number, limit: number): Promise<ChunkRange[]>;
  /** Reads a chunk's items, or returns null when its object is missing. */
  read(n: number): Promise<ChunkItem[] | null>;
}

export function chunkSourceFor(env: Env, batchId: string): ChunkSource {
  const coordinator = coordinatorFor(env, batchId);
  return {
    rangesFrom: (index, limit) => coordinator.chunkRanges({ index, limit }),
    read: (n) => readChunkItems(env.FILES, batchId, n),
  };
}

/** Returns the input of a chunk item, or null for an item that failed while its input was read. */
export function inputOfItem(item: ChunkItem): ItemInput | null {
  return "error" in item ? null : { text: item.text, metadata: item.metadata };
}

interface LoadedChunk {
  range: ChunkRange;
  /** The chunk's items by index, or null when its object is missing. */
  items: Map<number, ChunkItem> | null;
}

function contains(range: ChunkRange, index: number): boolean {
  return index >= range.start && index < range.start + range.count;
}

/**
 * Looks up item inputs for indexes that only grow, as result pages do. It keeps one
 * chunk and a list of the next chunk positions, and asks the coordinator for more
 * positions only when the list runs out.
 */
export class InputCursor {
  private ranges: ChunkRange[] = [];
  /** True when the last position request returned every chunk after its start. */
  private rangesComplete = false;
  private chunk: LoadedChunk | null = null;

  constructor(
    private readonly source: ChunkSource,
    private readonly log: Logger,
  ) {}

  /** Returns the inputs of the given indexes in their order: null where no input is stored. */
  async inputsFor(indexes: readonly number[]): Promise<Array<ItemInput | null>> {
    // A running batch may register chunks while a download streams, so each page may ask once more.
    let mayRefresh = true;
    const inputs: Array<ItemInput | null> = [];
    for (const index of indexes) {
      if (this.chunk === null || !contains(this.chunk.range, index)) {
        const range = await this.rangeOf(index, mayRefresh);
        if (range === null) mayRefresh = false;
        this.chunk = range === null ? null : await this.load(range);
      }
      const item = this.chunk?.items?.get(index);
      inputs.push(item === undefined ? null : inputOfItem(item));
    }
    return inputs;
  }

  /** Returns the items of the first chunk, or an empty list when it is missing. */
  async firstChunkItems(): Promise<ChunkItem[]> {
    await this.inputsFor([0]);
    return [...(this.chunk?.items?.values() ?? [])];
  }

  private async rangeOf(index: number, mayRefresh: boolean): Promise<ChunkRange | null> {
    while (this.ranges.length > 0 && this.ranges[0].start + this.ranges[0].count <= index) this.ranges.shift();
    if (this.ranges.length === 0 && (!this.rangesComplete || mayRefresh)) {
      this.ranges = await this.source.rangesFrom(index, EXPORT_CHUNK_RANGES_PER_REQUEST);
      this.rangesComplete = this.ranges.length < EXPORT_CHUNK_RANGES_PER_REQUEST;
    }
    const range = this.ranges[0];
    return range !== undefined && contains(range, index) ? range : null;
  }

  private async load(range: ChunkRange): Promise<LoadedChunk> {
    const items = await this.source.read(range.n);
    if (items === null) {
      this.log.warn("chunk object missing; its results are downloaded without input", { chunk: range.n, start: range.start, count: range.count });
      return { range, items: null };
    }
    return { range, items: new Map(items.map((item) => [item.index, item])) };
  }
}
