// The chunk consumer: claims a chunk from the coordinator, runs its items with
// bounded concurrency (asking the coordinator before every model call), writes
// results to D1 idempotently and reports per-chunk tallies that overwrite.
import { CHUNK_HEARTBEAT_MS, RESULT_FLUSH_ITEMS, RESULT_FLUSH_MS } from "../config/limits";
import { readLlmSettings } from "../config/settings";
import type { Env } from "../env";
import { mapWithConcurrency } from "../lib/concurrency";
import { LlmClient } from "../llm/client";
import { providerGate } from "../ratelimit/gate";
import { errorFields, type Logger } from "../log/logger";
import { getOperation } from "../operations/registry";
import { runItem } from "../operations/runner";
import type { OperationName } from "../operations/types";
import { findBatch } from "../storage/batches";
import { type Database, openDatabase } from "../storage/db";
import { insertResults, storedIndexes, tallyResults } from "../storage/results";
import type { NewBatchResultRow } from "../storage/schema/batches";
import { readChunkItems } from "./chunk-objects";
import type { CallPermit } from "./coordinator";
import { coordinatorFor } from "./coordinator-stub";
import { failedRow, placeholderFor, rowFromResult } from "./result-rows";
import { type ChunkItem, chunkKey, type Ending } from "./types";

interface Chunk {
  n: number;
  start: number;
  end: number;
  items: ChunkItem[];
}

async function readChunk(env: Env, batchId: string, n: number): Promise<Chunk> {
  const items = await readChunkItems(env.FILES, batchId, n);
  // NOTE: if a chunk object is deleted outside the service, this throws on every delivery.
  // Its items then never get rows, so the batch stays unfinished.
  if (items === null) throw new Error(`chunk object ${chunkKey(batchId, n)} is missing`);
  return { n, start: items[0].index, end: items[items.length - 1].index + 1, items };
}

/**
 * Buffers result rows and writes them in one D1 batch per flush, one flush at a time.
 * A flush happens at RESULT_FLUSH_ITEMS rows or RESULT_FLUSH_MS after the first
 * buffered row, whichever comes first, so live counts lag by about a second.
 */
class ResultSink {
  private buffer: NewBatchResultRow[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly db: Database,
    private readonly afterWrite: () => Promise<void>,
  ) {}

  add(row: NewBatchResultRow): Promise<void> {
    this.buffer.push(row);
    if (this.buffer.length >= RESULT_FLUSH_ITEMS) return this.flush();
    // A failed timed flush rejects the chain, so the final flush() reports the error.
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), RESULT_FLUSH_MS);
    return Promise.resolve();
  }

  /** Cancels a pending timed flush. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  flush(): Promise<void> {
    this.stop();
    this.chain = this.chain.then(async () => {
      if (this.buffer.length === 0) return;
      const rows = this.buffer;
      this.buffer = [];
      await insertResults(this.db, rows);
      await this.afterWrite();
    });
    return this.chain;
  }
}

/** Writes the given placeholder for every item of the chunk that has no result yet. */
async function closeChunk(db: Database, batchId: string, chunk: Chunk, ending: Ending | "abandon"): Promise<void> {
  const stored = await storedIndexes(db, batchId, chunk.start, chunk.end);
  const placeholder = placeholderFor(ending);
  const rows = chunk.items.filter((item) => !stored.has(item.index)).map((item) => failedRow(batchId, item, placeholder.error, placeholder.status));
  await insertResults(db, rows);
}

/** Handles one chunk message. Throws on infrastructure errors so the message is retried. */
export async function processChunk(env: Env, batchId: string, n: number, log: Logger): Promise<void> {
  const coordinator = coordinatorFor(env, batchId);
  const lease = crypto.randomUUID();
  const claim = await coordinator.claimChunk({ n, lease });
  if (claim.action === "skip") {
    log.debug("chunk skipped", { chunk: n, reason: claim.reason });
    return;
  }

  const db = openDatabase(env.DB);
  try {
    const row = await findBatch(db, batchId);
    if (row === undefined) throw new Error(`batch ${batchId} has a coordinator but no row`);
    const chunk = await readChunk(env, batchId, n);
    const report = async () => {
      const tally = await tallyResults(db, batchId, chunk.start, chunk.end);
      await coordinator.reportChunk({ n, lease, tally });
    };

    if (claim.action === "close") await closeChunk(db, batchId, chunk, claim.ending);
    else if (claim.action === "abandon") await closeChunk(db, batchId, chunk, "abandon");
    else await runChunk(env, row.operation as OperationName, row.params, chunk, { db, batchId, lease, log, report, deadlineMs: Date.parse(row.expiresAt) });
    await report();
  } catch (error) {
    log.warn("chunk failed; releasing it for a retry", { chunk: n, ...errorFields(error) });
    await coordinator.releaseChunk({ n, lease }).catch(() => undefined);
    throw error;
  }
}

interface RunContext {
  db: Database;
  batchId: string;
  lease: string;
  log: Logger;
  report: () => Promise<void>;
  /** The batch's expiry, after which calls stop waiting for the provider's rate limit. */
  deadlineMs: number;
}

/**
 * Runs the chunk's items that have no result yet. It starts no call after the
 * coordinator refuses a permit. When the batch is ending, the items never started
 * get the ending's placeholder once the calls in flight have finished.
 */
async function runChunk(env: Env, operationName: OperationName, paramsJson: string, chunk: Chunk, run: RunContext): Promise<void> {
  const { db, batchId, lease, log } = run;
  const coordinator = coordinatorFor(env, batchId);
  const operation = getOperation(operationName);
  const params = operation.schema.parse(JSON.parse(paramsJson));
  const llm = new LlmClient(readLlmSettings(env), providerGate(env));
  const stored = await storedIndexes(db, batchId, chunk.start, chunk.end);
  const pending = chunk.items.filter((item) => !stored.has(item.index));
  const sink = new ResultSink(db, run.report);
  let refused: CallPermit | null = null;

  const heartbeat = setInterval(() => {
    coordinator.heartbeat({ n: chunk.n, lease }).catch((error) => log.warn("chunk heartbeat failed", { chunk: chunk.n, ...errorFields(error) }));
  }, CHUNK_HEARTBEAT_MS);
  // A failed result write stops new calls. The pool drains before the error is raised,
  // so no call is still running when the message goes back for a retry.
  let failure: unknown = null;
  try {
    await mapWithConcurrency(pending, llm.concurrency, async (item) => {
      if (refused !== null || failure !== null) return;
      try {
        if ("error" in item) return await sink.add(failedRow(batchId, item, item.error));

        // The coordinator grants each model call, retries and the repair call included, so
        // nothing is sent once a cancel is acknowledged, even after a wait for the rate limit.
        const beforeCall = async () => {
          if (refused !== null) return false;
          const permit = await coordinator.permitCall({ n: chunk.n, lease });
          if (!permit.ok) refused ??= permit;
          return permit.ok;
        };
        const result = await runItem(llm, operation, params, item, { log, beforeCall, deadlineMs: run.deadlineMs });
        // An item stopped before any call keeps no result: closing the chunk records it as cancelled or expired.
        if (result.error?.code === "cancelled") return;
        await sink.add(rowFromResult(batchId, result));
      } catch (error) {
        failure ??= error;
      }
    });
    if (failure !== null) throw failure;
    await sink.flush();
  } finally {
    clearInterval(heartbeat);
    sink.stop();
  }

  const stop = refused as CallPermit | null;
  if (stop !== null && !stop.ok) {
    if (stop.ending !== null) await closeChunk(db, batchId, chunk, stop.ending);
    else log.info("chunk went to another consumer; stopping", { chunk: chunk.n });
  }
}
