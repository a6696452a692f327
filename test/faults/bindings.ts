// Binding doubles that fail or stall on cue: a D1 database with hooks around every
// statement, a coordinator namespace whose stubs throw from one method, and a queue
// whose sends throw. Everything else passes through to the real binding.
import { runInDurableObject } from "cloudflare:test";
import type { BatchCoordinator } from "../../src/batch/coordinator";
import type { TestEnv } from "../batches/pipeline";

/** Hooks around each D1 statement, or each batch() as a whole (named by its first statement). */
export interface D1Hooks {
  /** Runs before the statement executes; throwing here means nothing was written. */
  before?: (sql: string) => void | Promise<void>;
  /** Runs after the statement executed, before its result returns; throwing here loses the result of a committed write. */
  after?: (sql: string) => void | Promise<void>;
}

const EXECUTING_METHODS = new Set<PropertyKey>(["first", "all", "run", "raw"]);

/** Returns a promise with its resolve function, so a double can wait until the test lets it go on. */
export function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Wraps a D1 binding so that `hooks` run around every statement. */
export function hookedD1(real: D1Database, hooks: D1Hooks): D1Database {
  const originals = new WeakMap<object, { statement: D1PreparedStatement; sql: string }>();

  async function around<T>(sql: string, execute: () => Promise<T>): Promise<T> {
    await hooks.before?.(sql);
    const result = await execute();
    await hooks.after?.(sql);
    return result;
  }

  function wrap(statement: D1PreparedStatement, sql: string): D1PreparedStatement {
    const wrapper = new Proxy(statement, {
      get(target, property) {
        const value = (target as unknown as Record<PropertyKey, unknown>)[property];
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql);
        if (EXECUTING_METHODS.has(property) && typeof value === "function") {
          return (...args: unknown[]) => around(sql, () => value.apply(target, args));
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    originals.set(wrapper, { statement, sql });
    return wrapper;
  }

  return new Proxy(real, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const unwrapped = statements.map((statement) => originals.get(statement));
          if (unwrapped.some((entry) => entry === undefined)) throw new Error("batch() got a statement this double did not prepare");
          return around(unwrapped[0]?.sql ?? "", () => target.batch(unwrapped.map((entry) => entry!.statement)));
        };
      }
      const value = (target as unknown as Record<PropertyKey, unknown>)[property];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** True for drizzle's insert of result rows. */
export function isResultInsert(sql: string): boolean {
  return sql.startsWith('insert into "batch_results"');
}

/** True for the per-chunk tally query that follows every result write. */
export function isTallyRead(sql: string): boolean {
  return sql.includes('from "batch_results"') && sql.includes("group by");
}

/** Returns a predicate that is true on its `n`-th matching call only. */
export function onNthCall(n: number, matches: (sql: string) => boolean): (sql: string) => boolean {
  let seen = 0;
  return (sql) => matches(sql) && ++seen === n;
}

/** Wraps the coordinator namespace so that the next `failures` calls of `method`, on any stub, throw. */
export function coordinatorsFailing(real: TestEnv["BATCH_COORDINATOR"], method: keyof BatchCoordinator, failures: number) {
  let remaining = failures;
  const namespace = {
    idFromName: (name: string) => real.idFromName(name),
    get(id: DurableObjectId) {
      const stub = real.get(id);
      return new Proxy(stub, {
        get(target, property) {
          if (property === method && remaining > 0) {
            return async () => {
              remaining--;
              throw new Error(`simulated failure of BatchCoordinator.${method}`);
            };
          }
          return (target as unknown as Record<PropertyKey, unknown>)[property];
        },
      });
    },
  };
  return namespace as unknown as TestEnv["BATCH_COORDINATOR"];
}

/** A queue whose next `failures` send or sendBatch calls throw; the others go to `target`. */
export class FailingQueue {
  constructor(
    private readonly target: Queue,
    private remaining: number,
  ) {}

  private check(): void {
    if (this.remaining > 0) {
      this.remaining--;
      throw new Error("simulated queue outage");
    }
  }

  async send(body: unknown): Promise<void> {
    this.check();
    await this.target.send(body);
  }

  async sendBatch(messages: Iterable<MessageSendRequest>): Promise<void> {
    this.check();
    await this.target.sendBatch(messages);
  }
}

/**
 * Replaces bindings in the env of a running coordinator instance, as a failing platform
 * would, and returns a function that puts the originals back.
 */
export async function swapCoordinatorEnv(stub: DurableObjectStub<BatchCoordinator>, overrides: Partial<TestEnv>): Promise<() => Promise<void>> {
  const original = await runInDurableObject(stub, (instance) => {
    const holder = instance as unknown as { env: TestEnv };
    const before = holder.env;
    holder.env = { ...before, ...overrides } as TestEnv;
    return before;
  });
  return () =>
    runInDurableObject(stub, (instance) => {
      (instance as unknown as { env: TestEnv }).env = original;
    });
}
