import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getBatch } from "../batches/helpers";
import { deliver, envWith, type TestEnv } from "../batches/pipeline";
import { fakeCalls, uniqueTag } from "../support/fake-llm";
import { coordinatorsFailing, hookedD1, isResultInsert, isTallyRead, onNthCall } from "./bindings";
import { expectConsistentResults } from "./invariants";
import { submitRecorded } from "./submit";

/** 60 items make one chunk whose results are written in three flushes of up to 25 rows. */
const ITEMS = 60;

function throwWhen(matches: (sql: string) => boolean) {
  return (sql: string) => {
    if (matches(sql)) throw new Error("D1_ERROR: simulated failure");
  };
}

interface CrashCase {
  name: string;
  /** Bindings of the consumer invocation that crashes. */
  faulty: () => Partial<TestEnv>;
  /** Results stored when the crash happened, if the case fixes it. */
  storedAtCrash?: number;
}

const CRASHES: CrashCase[] = [
  {
    name: "first write fails",
    faulty: () => ({ DB: hookedD1(env.DB, { before: throwWhen(onNthCall(1, isResultInsert)) }) }),
    storedAtCrash: 0,
  },
  {
    name: "third write fails",
    faulty: () => ({ DB: hookedD1(env.DB, { before: throwWhen(onNthCall(3, isResultInsert)) }) }),
  },
  {
    // The write commits, but the consumer gets an error, as after a dropped connection.
    name: "write commits, then fails",
    faulty: () => ({ DB: hookedD1(env.DB, { after: throwWhen(onNthCall(2, isResultInsert)) }) }),
  },
  {
    name: "tally read fails",
    faulty: () => ({ DB: hookedD1(env.DB, { before: throwWhen(onNthCall(1, isTallyRead)) }) }),
  },
  {
    name: "progress report fails",
    faulty: () => ({ BATCH_COORDINATOR: coordinatorsFailing(env.BATCH_COORDINATOR, "reportChunk", 1) }),
  },
];

async function storedResults(id: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM batch_results WHERE batch_id = ?").bind(id).first<{ n: number }>();
  return row!.n;
}

describe("chunk consumer crash and redelivery", () => {
  for (const crash of CRASHES) {
    it(`${crash.name}: retry completes exactly`, async () => {
      const tag = uniqueTag("consumer-crash");
      const { id, ids, queue, testEnv: healthy } = await submitRecorded(tag, ITEMS);
      await deliver(healthy, queue.take());
      const chunkMessages = queue.take();
      expect(chunkMessages).toHaveLength(1);

      const first = await deliver(envWith({ ...healthy, ...crash.faulty() }), chunkMessages);
      expect(first.retryMessages).toHaveLength(1);
      expect(first.explicitAcks).toHaveLength(0);
      const stored = await storedResults(id);
      if (crash.storedAtCrash !== undefined) expect(stored).toBe(crash.storedAtCrash);
      else expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(ITEMS);
      const during = await getBatch(id);
      expect(during.status).toBe("in_progress");
      expect(during.request_counts.completed).toBeLessThanOrEqual(stored);
      const callsAtCrash = (await fakeCalls(tag)).length;

      const second = await deliver(healthy, chunkMessages);
      expect(second.explicitAcks).toHaveLength(1);
      expect(second.retryMessages).toHaveLength(0);
      // Only the items without a stored result are sent to the model again.
      expect((await fakeCalls(tag)).length).toBe(callsAtCrash + ITEMS - stored);
      expect(queue.take()).toEqual([]);

      const { batch } = await expectConsistentResults(id, ids);
      expect(batch.status).toBe("completed");
      expect(batch.request_counts.completed).toBe(ITEMS);
    });
  }
});
