// One Durable Object per batch: the authority on its status, counters and
// cancellation. Consumers claim chunks from it, ask it before every model call, and
// report per-chunk tallies that overwrite. Its alarm is the watchdog and the deadline.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { EXPORT_CHUNK_RANGES_PER_REQUEST, WATCHDOG_INTERVAL_MS, WATCHDOG_MAX_REENQUEUES, WATCHDOG_STALL_MS } from "../config/limits";
import type { Env } from "../env";
import { createLogger, errorFields, type Logger } from "../log/logger";
import { findBatch, updateBatchSnapshot } from "../storage/batches";
import { openDatabase } from "../storage/db";
import { ChunkTable } from "./chunk-table";
import { sendMessages } from "./messages";
import { type BatchProgress, type CoordinatorMeta, CoordinatorMetaSchema, ResultTallySchema, snapshotOf } from "./progress";
import { type BatchError, BatchErrorSchema, type BatchMessage, type BatchStatus, type ChunkRange, ChunkRangeSchema, type Ending, isTerminal } from "./types";

/** Chunks the watchdog re-enqueues in one alarm, to keep one alarm short. */
const WATCHDOG_BATCH_CHUNKS = 1_000;

/** Claims after which a chunk that never finished is given up (a poison chunk). */
export const CHUNK_MAX_ATTEMPTS = 12;

const InitSchema = z.object({
  batch_id: z.string(),
  total: z.number().int().nonnegative(),
  expires_at: z.string(),
});
const AddChunksSchema = z.object({ chunks: z.array(ChunkRangeSchema) });
const FinishPrepareSchema = z.object({ total: z.number().int().nonnegative() });
const LeaseSchema = z.object({ n: z.number().int().nonnegative(), lease: z.string() });
const ReportSchema = LeaseSchema.extend({ tally: ResultTallySchema });
const RangesFromSchema = z.object({ index: z.number().int().nonnegative(), limit: z.number().int().positive().max(EXPORT_CHUNK_RANGES_PER_REQUEST) });

/** The coordinator's decision on a chunk message: process, close with placeholders, give up, or skip. */
export type ChunkClaim =
  | { action: "process" }
  | { action: "close"; ending: Ending }
  | { action: "abandon" }
  | { action: "skip"; reason: string };

/** The permit before each model call: go ahead, or stop because the batch is ending or the chunk was reassigned. */
export type CallPermit = { ok: true } | { ok: false; ending: Ending | null };

export type CancelOutcome = { outcome: "cancelling" | "already_cancelled" | "finished"; progress: BatchProgress };

/** The status a batch ends with, by why it ended ("none": every item ran). */
const FINAL_STATUS: Record<Ending | "none", BatchStatus> = { none: "completed", cancel: "cancelled", expire: "expired", fail: "failed" };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class BatchCoordinator extends DurableObject<Env> {
  private readonly chunks: ChunkTable;
  private finishing: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.chunks = new ChunkTable(ctx.storage.sql);
    this.log = createLogger(env.LOG_LEVEL, { component: "batch-coordinator" });
  }

  private async load(): Promise<CoordinatorMeta | null> {
    const stored = await this.ctx.storage.get("meta");
    return stored === undefined ? null : CoordinatorMetaSchema.parse(stored);
  }

  private async requireMeta(): Promise<CoordinatorMeta> {
    const meta = await this.load();
    if (meta === null) throw new Error("batch coordinator used before init");
    return meta;
  }

  /**
   * Reads, changes and writes the record with no other I/O in between, so the input
   * gate keeps other calls out and no concurrent change is overwritten.
   */
  private async update(change: (meta: CoordinatorMeta) => CoordinatorMeta): Promise<CoordinatorMeta> {
    const next = change(await this.requireMeta());
    await this.ctx.storage.put("meta", next);
    return next;
  }

  /** Creates the batch's state and arms the watchdog. A second call changes nothing. */
  async init(input: z.infer<typeof InitSchema>): Promise<void> {
    const args = InitSchema.parse(input);
    if ((await this.load()) !== null) return;
    const now = Date.now();
    const meta: CoordinatorMeta = {
      batch_id: args.batch_id,
      status: "validating",
      ending: null,
      total: args.total,
      prepared: false,
      errors: null,
      expires_at: args.expires_at,
      started_at: null,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      cancelling_at: null,
      cancelled_at: null,
      expired_at: null,
      prepare_activity_at: now,
      prepare_enqueues: 1,
      synced: false,
    };
    await this.ctx.storage.put("meta", meta);
    await this.armAlarm(meta, now);
  }

  /** Returns live progress, or null for a batch this object never initialised. */
  async progress(): Promise<BatchProgress | null> {
    const meta = await this.load();
    return meta === null ? null : this.buildProgress(meta);
  }

  /** Registers chunks written by the input pass and returns the ending if the batch is ending. */
  async addChunks(input: z.infer<typeof AddChunksSchema>): Promise<{ ending: Ending | null }> {
    const args = AddChunksSchema.parse(input);
    const now = Date.now();
    this.chunks.add(args.chunks, now);
    const meta = await this.update((meta) => ({
      ...meta,
      status: meta.status === "validating" ? "queued" : meta.status,
      prepare_activity_at: now,
    }));
    return { ending: meta.ending };
  }

  /** Returns whether the input pass registered its last chunk, so a redelivered pass can stop at once. */
  async inputPrepared(): Promise<boolean> {
    return (await this.load())?.prepared ?? false;
  }

  /** Marks the input pass complete with the number of items it read. */
  async finishPrepare(input: z.infer<typeof FinishPrepareSchema>): Promise<void> {
    const args = FinishPrepareSchema.parse(input);
    await this.update((meta) => (meta.prepared ? meta : { ...meta, prepared: true, total: args.total, prepare_activity_at: Date.now() }));
    await this.finishIfDone();
  }

  /** Fails the batch: no new model call starts, and the chunks left get failed results. */
  async fail(input: BatchError): Promise<void> {
    const error = BatchErrorSchema.parse(input);
    const meta = await this.requireMeta();
    if (isTerminal(meta.status)) return;
    this.log.warn("batch failed", { batch_id: meta.batch_id, code: error.code, reason: error.message });
    await this.update((meta) => {
      const ending = meta.ending ?? "fail";
      const status: BatchStatus = ending === "cancel" ? "cancelling" : "finalizing";
      return { ...meta, ending, status, prepared: true, errors: [...(meta.errors ?? []), error] };
    });
    await this.finishIfDone();
  }

  /** Gives a chunk to the consumer with `lease`, or returns why it does not. */
  async claimChunk(input: z.infer<typeof LeaseSchema>): Promise<ChunkClaim> {
    const { n, lease } = LeaseSchema.parse(input);
    const meta = await this.requireMeta();
    const chunk = this.chunks.get(n);
    const now = Date.now();
    if (chunk === undefined) return { action: "skip", reason: "unknown chunk" };
    if (chunk.state === "done") return { action: "skip", reason: "chunk already done" };
    if (chunk.state === "running" && chunk.lease !== lease && now - chunk.activity_at < WATCHDOG_STALL_MS) {
      return { action: "skip", reason: "another consumer holds the chunk" };
    }

    if (meta.ending !== null) {
      this.chunks.claim(n, lease, now, false);
      return { action: "close", ending: meta.ending };
    }
    if (chunk.attempts >= CHUNK_MAX_ATTEMPTS) {
      this.chunks.claim(n, lease, now, false);
      return { action: "abandon" };
    }
    this.chunks.claim(n, lease, now, true);
    if (meta.status === "queued" || meta.status === "validating") {
      await this.update((meta) => ({ ...meta, status: "in_progress", started_at: meta.started_at ?? iso(now) }));
    }
    return { action: "process" };
  }

  /** Grants one model call, unless the batch is ending or the chunk went to another consumer. */
  async permitCall(input: z.infer<typeof LeaseSchema>): Promise<CallPermit> {
    const { n, lease } = LeaseSchema.parse(input);
    const meta = await this.requireMeta();
    if (meta.ending !== null) return { ok: false, ending: meta.ending };
    if (this.chunks.get(n)?.lease !== lease) return { ok: false, ending: null };
    this.chunks.touch(n, Date.now());
    return { ok: true };
  }

  async heartbeat(input: z.infer<typeof LeaseSchema>): Promise<void> {
    const { n, lease } = LeaseSchema.parse(input);
    if (this.chunks.get(n)?.lease === lease) this.chunks.touch(n, Date.now());
  }

  /** Hands a chunk back after its consumer failed, so the retried message can claim it at once. */
  async releaseChunk(input: z.infer<typeof LeaseSchema>): Promise<void> {
    const { n, lease } = LeaseSchema.parse(input);
    if (this.chunks.get(n)?.lease === lease) this.chunks.release(n);
  }

  /** Stores a chunk's tally as counted in D1, replacing the previous one. */
  async reportChunk(input: z.infer<typeof ReportSchema>): Promise<void> {
    const { n, tally } = ReportSchema.parse(input);
    const done = this.chunks.report(n, tally, Date.now());
    if (done) await this.finishIfDone();
  }

  /** Lists registered chunk positions from the chunk containing item `index` on, so a download can find the items' inputs. */
  async chunkRanges(input: z.infer<typeof RangesFromSchema>): Promise<ChunkRange[]> {
    const { index, limit } = RangesFromSchema.parse(input);
    return this.chunks.rangesFrom(index, limit);
  }

  /** Starts cancelling the batch. A batch already cancelling or cancelled is returned as it is. */
  async cancel(): Promise<CancelOutcome> {
    const meta = await this.requireMeta();
    if (meta.status === "cancelled" || meta.ending === "cancel") {
      return { outcome: "already_cancelled", progress: this.buildProgress(meta) };
    }
    if (isTerminal(meta.status) || meta.ending !== null || meta.status === "finalizing") {
      return { outcome: "finished", progress: this.buildProgress(meta) };
    }
    this.log.info("batch cancelling", { batch_id: meta.batch_id });
    await this.update((meta) => ({ ...meta, ending: "cancel", status: "cancelling", cancelling_at: iso(Date.now()) }));
    await this.finishIfDone();
    return { outcome: "cancelling", progress: this.buildProgress(await this.requireMeta()) };
  }

  /** Deletes the state of a batch whose D1 row was never created. */
  async discard(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Runs the watchdog and the deadline: expires the batch, re-enqueues stalled work and retries the final write. */
  async alarm(): Promise<void> {
    const meta = await this.load();
    if (meta === null || (isTerminal(meta.status) && meta.synced)) return;
    const now = Date.now();

    if (!isTerminal(meta.status) && meta.ending === null && now >= Date.parse(meta.expires_at)) {
      this.log.info("batch expired", { batch_id: meta.batch_id });
      await this.update((meta) => ({ ...meta, ending: "expire", status: "finalizing" }));
    }
    if (!meta.prepared && now - meta.prepare_activity_at >= WATCHDOG_STALL_MS) {
      if (!(await this.restartInputPass(meta, now))) return;
    }
    await this.watchChunks(meta.batch_id, now);
    await this.finishIfDone();

    const latest = await this.load();
    if (latest !== null) await this.armAlarm(latest, now);
  }

  /** Sends the input pass again, fails the batch after too many tries, or discards an orphan. Returns false after a discard. */
  private async restartInputPass(meta: CoordinatorMeta, now: number): Promise<boolean> {
    const row = await findBatch(openDatabase(this.env.DB), meta.batch_id);
    if (row === undefined) {
      this.log.warn("discarding coordinator without a batch row", { batch_id: meta.batch_id });
      await this.discard();
      return false;
    }
    if (meta.prepare_enqueues > WATCHDOG_MAX_REENQUEUES) {
      await this.fail({ code: "input_stalled", message: `Reading the batch input made no progress after ${meta.prepare_enqueues} attempts.` });
      return true;
    }
    this.log.warn("re-enqueueing stalled input pass", { batch_id: meta.batch_id, attempt: meta.prepare_enqueues + 1 });
    await sendMessages<BatchMessage>(this.env.BATCH_QUEUE, [{ type: "prepare", batch_id: meta.batch_id }]);
    await this.update((meta) => ({ ...meta, prepare_activity_at: now, prepare_enqueues: meta.prepare_enqueues + 1 }));
    return true;
  }

  private async watchChunks(batchId: string, now: number): Promise<void> {
    const before = now - WATCHDOG_STALL_MS;
    // A running chunk heartbeats, so silence means its consumer is gone. Pending chunks may
    // just wait in a long queue, so they count as lost only when the whole batch is idle.
    const stalled = this.chunks.idle("running", before, WATCHDOG_BATCH_CHUNKS);
    if (this.chunks.lastActivity() < before) stalled.push(...this.chunks.idle("pending", before, WATCHDOG_BATCH_CHUNKS));
    if (stalled.length === 0) return;

    const ns = stalled.map((chunk) => chunk.n);
    this.log.warn("re-enqueueing stalled chunks", { batch_id: batchId, chunks: ns.slice(0, 20), count: ns.length });
    await sendMessages<BatchMessage>(
      this.env.BATCH_QUEUE,
      ns.map((n) => ({ type: "chunk", batch_id: batchId, chunk: n })),
    );
    this.chunks.markEnqueued(ns, now);
  }

  private async armAlarm(meta: CoordinatorMeta, now: number): Promise<void> {
    if (isTerminal(meta.status) && meta.synced) return;
    const deadline = Date.parse(meta.expires_at);
    const next = meta.ending === null && deadline > now ? Math.min(now + WATCHDOG_INTERVAL_MS, deadline) : now + WATCHDOG_INTERVAL_MS;
    await this.ctx.storage.setAlarm(next);
  }

  /** Ends the batch once the input pass is over and every chunk is done. */
  private async finishIfDone(): Promise<void> {
    const meta = await this.load();
    if (meta === null || !meta.prepared || (isTerminal(meta.status) && meta.synced)) return;
    const totals = this.chunks.totals();
    if (totals.done_chunks < totals.chunks) return;

    this.finishing ??= this.finish().finally(() => {
      this.finishing = null;
    });
    await this.finishing;
  }

  private async finish(): Promise<void> {
    const now = iso(Date.now());
    const meta = await this.update((meta) => ({ ...meta, status: "finalizing", finalizing_at: meta.finalizing_at ?? now }));
    const ending = meta.ending;
    const final: CoordinatorMeta = {
      ...meta,
      status: FINAL_STATUS[ending ?? "none"],
      completed_at: ending === null ? (meta.completed_at ?? now) : meta.completed_at,
      cancelled_at: ending === "cancel" ? (meta.cancelled_at ?? now) : meta.cancelled_at,
      expired_at: ending === "expire" ? (meta.expired_at ?? now) : meta.expired_at,
      failed_at: ending === "fail" ? (meta.failed_at ?? now) : meta.failed_at,
      synced: true,
    };

    // The D1 row gets the final state first. This object reports "finalizing" until that write succeeds.
    try {
      await updateBatchSnapshot(openDatabase(this.env.DB), meta.batch_id, snapshotOf(this.buildProgress(final)));
    } catch (error) {
      this.log.error("writing the final batch state to D1 failed; the alarm retries", { batch_id: meta.batch_id, ...errorFields(error) });
      await this.armAlarm(meta, Date.now());
      return;
    }
    await this.update(() => final);
    this.log.info("batch finished", { batch_id: meta.batch_id, status: final.status });
  }

  private buildProgress(meta: CoordinatorMeta): BatchProgress {
    const totals = this.chunks.totals();
    return {
      status: meta.status,
      request_counts: {
        total: meta.total,
        completed: totals.succeeded,
        failed: totals.failed,
        cancelled: totals.cancelled,
        expired: totals.expired,
      },
      usage: { prompt_tokens: totals.prompt_tokens, completion_tokens: totals.completion_tokens },
      errors: meta.errors,
      started_at: meta.started_at,
      finalizing_at: meta.finalizing_at,
      completed_at: meta.completed_at,
      failed_at: meta.failed_at,
      cancelling_at: meta.cancelling_at,
      cancelled_at: meta.cancelled_at,
      expired_at: meta.expired_at,
    };
  }

  /**
   * Runs the watchdog now when its alarm is missing or overdue by more than
   * WATCHDOG_INTERVAL_MS, so the cron trigger recovers a batch whose alarm was lost.
   * Returns whether it ran and the status after it (null for a batch never initialised).
   */
  async recheck(): Promise<{ ran: boolean; status: BatchStatus | null }> {
    const meta = await this.load();
    if (meta === null || (isTerminal(meta.status) && meta.synced)) return { ran: false, status: meta?.status ?? null };
    const alarmAt = await this.ctx.storage.getAlarm();
    if (alarmAt !== null && Date.now() - alarmAt <= WATCHDOG_INTERVAL_MS) return { ran: false, status: meta.status };
    this.log.warn("running the watchdog for a missing or late alarm", { batch_id: meta.batch_id, alarm_at: alarmAt });
    await this.alarm();
    return { ran: true, status: (await this.load())?.status ?? null };
  }
}
