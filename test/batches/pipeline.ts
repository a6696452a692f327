// Drives the batch pipeline by hand: requests and queue batches go through the real
// Worker handlers with test doubles for some bindings, such as a queue that only
// records messages and a D1 database that enforces the 100-parameter limit.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";

export type TestEnv = typeof env;

/** A queue binding that keeps every message body instead of delivering it. */
export class RecordingQueue {
  readonly sent: unknown[] = [];
  readonly sendBatchSizes: number[] = [];

  async send(body: unknown): Promise<void> {
    this.sent.push(body);
  }

  async sendBatch(messages: Iterable<{ body: unknown }>): Promise<void> {
    const list = [...messages];
    this.sendBatchSizes.push(list.length);
    for (const message of list) this.sent.push(message.body);
  }

  /** Removes and returns the recorded bodies. */
  take(): unknown[] {
    return this.sent.splice(0);
  }
}

export function envWith(overrides: Partial<TestEnv>): TestEnv {
  return { ...env, ...overrides } as TestEnv;
}

/** Sends a JSON request with the admin key through the Worker's fetch handler with the given bindings. */
export async function fetchWith(testEnv: TestEnv, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const init: RequestInit = {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${env.ADMIN_API_KEY}`, ...headers },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await worker.fetch!(new Request(`http://api.test${path}`, init) as any, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = new TextDecoder().decode(await response.arrayBuffer());
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

let messageSeq = 0;

/** Delivers message bodies as one queue batch to the consumer and returns the ack/retry outcome. */
export async function deliver(testEnv: TestEnv, bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    "agentflow-batch-chunks",
    bodies.map((body) => ({ id: `test-message-${++messageSeq}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as any, testEnv);
  return getQueueResult(batch, ctx);
}

/** Delivers recorded messages one at a time until the recording queue stays empty. */
export async function drain(testEnv: TestEnv, queue: RecordingQueue): Promise<number> {
  let delivered = 0;
  for (let body = queue.take(); body.length > 0; body = queue.take()) {
    for (const message of body) {
      const result = await deliver(testEnv, [message]);
      if (result.retryMessages.length > 0) throw new Error(`message was retried: ${JSON.stringify(message)}`);
      delivered++;
    }
  }
  return delivered;
}

export interface D1Stats {
  statements: number;
  maxParameters: number;
}

/**
 * Wraps a D1 binding so that any statement binding more than `maxParameters` values
 * throws as D1 does in production, and counts the statements and the largest bind. `failWhen` makes chosen
 * statements (or batch() calls, by their first statement) throw, to simulate a
 * failure in the middle of a chunk.
 */
export function limitedD1(real: D1Database, maxParameters = 100, failWhen: (sql: string) => boolean = () => false) {
  const stats: D1Stats = { statements: 0, maxParameters: 0 };
  const originals = new WeakMap<object, { statement: D1PreparedStatement; sql: string }>();

  function wrap(statement: D1PreparedStatement, sql: string): D1PreparedStatement {
    const wrapper = {
      bind(...values: unknown[]) {
        if (values.length > maxParameters) {
          throw new Error(`D1_ERROR: too many SQL variables: ${values.length} bound, limit ${maxParameters}`);
        }
        stats.maxParameters = Math.max(stats.maxParameters, values.length);
        return wrap(statement.bind(...values), sql);
      },
      first: (column?: string) => guard(() => (column === undefined ? statement.first() : statement.first(column))),
      all: () => guard(() => statement.all()),
      run: () => guard(() => statement.run()),
      raw: (options?: { columnNames?: boolean }) => guard(() => statement.raw(options as any)),
    } as unknown as D1PreparedStatement;
    function guard<T>(run: () => Promise<T>): Promise<T> {
      stats.statements++;
      if (failWhen(sql)) return Promise.reject(new Error("D1_ERROR: simulated failure"));
      return run();
    }
    originals.set(wrapper, { statement, sql });
    return wrapper;
  }

  const db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    async batch(statements: D1PreparedStatement[]) {
      stats.statements += statements.length;
      const unwrapped = statements.map((statement) => originals.get(statement));
      if (unwrapped.some((entry) => entry === undefined)) throw new Error("batch() got a statement this double did not prepare");
      // One batch() is one transaction, so failWhen is asked once, with its first statement.
      if (unwrapped.length > 0 && failWhen(unwrapped[0]!.sql)) throw new Error("D1_ERROR: simulated failure");
      return real.batch(unwrapped.map((entry) => entry!.statement));
    },
    exec: (query: string) => real.exec(query),
    dump: () => real.dump(),
    withSession: (constraint?: string) => real.withSession(constraint as any),
  } as unknown as D1Database;
  return { db, stats };
}
