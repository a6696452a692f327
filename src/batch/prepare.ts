// The input pass: reads a batch's items once, writes them to R2 as chunk objects,
// registers the chunks with the coordinator and enqueues one message per chunk.
import { BATCH_CHUNK_ITEMS, BATCH_CHUNK_MAX_BYTES } from "../config/limits";
import type { Env } from "../env";
import type { Logger } from "../log/logger";
import { getOperation } from "../operations/registry";
import type { CommonParams, OperationName } from "../operations/types";
import { findBatch } from "../storage/batches";
import { openDatabase } from "../storage/db";
import type { BatchCoordinator } from "./coordinator";
import { coordinatorFor } from "./coordinator-stub";
import { InputUnavailableError, readBatchItems } from "./input";
import { sendMessages } from "./messages";
import { type BatchMessage, BatchInputSchema, type ChunkItem, type ChunkRange, chunkKey, isTerminal } from "./types";

/** Chunks registered and enqueued together: one coordinator call and one sendBatch per group. */
const CHUNKS_PER_GROUP = 10;

const encoder = new TextEncoder();

/** Collects items into chunk objects and hands finished chunks on in groups. */
class ChunkWriter {
  private lines: string[] = [];
  private bytes = 0;
  private start = 0;
  private next = 0;
  private group: ChunkRange[] = [];
  items = 0;

  constructor(
    private readonly env: Env,
    private readonly batchId: string,
    private readonly coordinator: DurableObjectStub<BatchCoordinator>,
  ) {}

  async add(item: ChunkItem): Promise<void> {
    const line = JSON.stringify(item);
    const size = encoder.encode(line).byteLength + 1;
    if (this.lines.length > 0 && this.bytes + size > BATCH_CHUNK_MAX_BYTES) await this.closeChunk();
    this.lines.push(line);
    this.bytes += size;
    this.items++;
    if (this.lines.length >= BATCH_CHUNK_ITEMS) await this.closeChunk();
  }

  /** Writes the open chunk and registers every chunk not yet registered. */
  async finish(): Promise<number> {
    if (this.lines.length > 0) await this.closeChunk();
    await this.flushGroup();
    return this.next;
  }

  private async closeChunk(): Promise<void> {
    const range = { n: this.next, start: this.start, count: this.lines.length };
    // The object is written before the chunk is registered, so a registered chunk always has its items.
    await this.env.FILES.put(chunkKey(this.batchId, range.n), `${this.lines.join("\n")}\n`);
    this.group.push(range);
    this.next++;
    this.start += range.count;
    this.lines = [];
    this.bytes = 0;
    if (this.group.length >= CHUNKS_PER_GROUP || range.n === 0) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.group.length === 0) return;
    const group = this.group;
    this.group = [];
    await this.coordinator.addChunks({ chunks: group });
    await sendMessages<BatchMessage>(
      this.env.BATCH_QUEUE,
      group.map((range) => ({ type: "chunk", batch_id: this.batchId, chunk: range.n })),
    );
  }
}

/**
 * Runs the input pass of one batch. Running it again after a crash rewrites the same
 * chunk objects and re-sends their messages, and consumers skip chunks already done.
 */
export async function prepareBatch(env: Env, batchId: string, log: Logger): Promise<void> {
  const coordinator = coordinatorFor(env, batchId);
  const row = await findBatch(openDatabase(env.DB), batchId);
  if (row === undefined) {
    log.warn("input pass for a batch without a row; discarding its coordinator");
    await coordinator.discard();
    return;
  }
  const progress = await coordinator.progress();
  if (progress === null || isTerminal(progress.status)) return;
  if (await coordinator.inputPrepared()) {
    log.info("input pass already complete; skipping the redelivered message");
    return;
  }

  const input = BatchInputSchema.parse(JSON.parse(row.input));
  const operation = getOperation(row.operation as OperationName);
  const templates = operation.templates(JSON.parse(row.params) as CommonParams);
  const writer = new ChunkWriter(env, batchId, coordinator);
  try {
    for await (const item of readBatchItems(env, row.tenantId, input, templates)) await writer.add(item);
  } catch (error) {
    if (!(error instanceof InputUnavailableError)) throw error;
    await writer.finish();
    await coordinator.fail({ code: error.code, message: error.message });
    return;
  }
  const chunks = await writer.finish();
  await coordinator.finishPrepare({ total: writer.items });
  log.info("batch input prepared", { items: writer.items, chunks });
}
