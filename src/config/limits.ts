// Limits and defaults of the public API, in one place. The README lists them.

/** Items accepted by one call to a sync /api/completions endpoint. */
export const MAX_SYNC_ITEMS = 50;

/** Characters of text accepted for one item. */
export const MAX_ITEM_TEXT_CHARS = 200_000;

/** Characters of one item id. */
export const MAX_ITEM_ID_CHARS = 256;

/** Model calls per item: the first answer and at most one repair call after a validation failure. */
export const MAX_MODEL_CALLS_PER_ITEM = 2;

/** Categories accepted by one label request. */
export const MAX_CATEGORIES = 500;

/** Fields accepted by one extract or enrich request. */
export const MAX_FIELDS = 100;

/** Bytes of a JSON request body (uploads go to /api/files instead). */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;

/** Characters of a system prompt, instructions or template. */
export const MAX_PROMPT_CHARS = 50_000;

/** Retry pacing for model calls, in milliseconds. */
export const RETRY_BASE_DELAY_MS = 500;
export const RETRY_MAX_DELAY_MS = 30_000;
/** Longest retry-after the client waits for inside one call, in milliseconds. */
export const RETRY_AFTER_CAP_MS = 60_000;

/** Defaults for settings that wrangler.toml vars can override. */
export const DEFAULT_LLM_MODEL = "gpt-4o-mini";
export const DEFAULT_LLM_TIMEOUT_MS = 60_000;
export const DEFAULT_LLM_CONCURRENCY = 8;
export const DEFAULT_LLM_MAX_ATTEMPTS = 5;

/**
 * Bytes of one uploaded file: 100 MB in decimal units (100,000,000 bytes), which stays
 * under the 100 MB request-body cap of Cloudflare's lower plans.
 */
export const MAX_UPLOAD_BYTES = 100_000_000;

/** Bytes a multipart/form-data body may add around its file part (boundaries, part headers, small fields). */
export const MAX_MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** Bytes of one multipart part's header block, and of one small form field's value. */
export const MAX_FORM_HEADER_BYTES = 16 * 1024;
export const MAX_FORM_FIELD_BYTES = 1024;

/**
 * Bytes buffered per part when an upload of unknown length goes to R2 as a multipart
 * upload. R2 requires at least 5 MiB for every part but the last, all of equal size.
 */
export const R2_UPLOAD_PART_BYTES = 5 * 1024 * 1024;

/** Items (records) in one uploaded file. */
export const MAX_FILE_ITEMS = 1_000_000;

/** Characters of one record: a CSV row, a JSONL or text line, or a JSON array element. */
export const MAX_RECORD_CHARS = 1_000_000;

/** Columns of one CSV file. */
export const MAX_CSV_COLUMNS = 10_000;

/** Line numbers listed for skipped rows, and problems listed for invalid rows, in a file report. */
export const MAX_REPORTED_LINES = 20;

/** Lines (and at most this many characters) of a CSV file read to detect its delimiter. */
export const DELIMITER_SAMPLE_LINES = 50;
export const DELIMITER_SAMPLE_CHARS = 1024 * 1024;

/** Files returned by one page of GET /api/files, by default and at most. */
export const DEFAULT_FILE_PAGE_SIZE = 20;
export const MAX_FILE_PAGE_SIZE = 100;

// Batches: see docs/batches.md. Queue and D1 numbers are Cloudflare's published limits
// (https://developers.cloudflare.com/queues/platform/limits/, https://developers.cloudflare.com/d1/platform/limits/).

/** Inline items accepted by one POST /api/batches; larger sets go through POST /api/files. */
export const MAX_BATCH_INLINE_ITEMS = 100_000;

/** Items in one chunk: one R2 object and one queue message, processed by one consumer invocation. */
export const BATCH_CHUNK_ITEMS = 200;

/** UTF-8 bytes of one chunk object in R2; a chunk closes early when the next item would pass it. */
export const BATCH_CHUNK_MAX_BYTES = 4 * 1024 * 1024;

/** Bytes of one queue message body, kept under Queues' 128 KB that includes ~100 bytes of metadata. */
export const QUEUE_MESSAGE_MAX_BYTES = 127_000;

/** Messages and bytes of one sendBatch call. */
export const QUEUE_SEND_BATCH_MAX_MESSAGES = 100;
export const QUEUE_SEND_BATCH_MAX_BYTES = 256_000;

/** Bytes counted per message on top of its body when a sendBatch call is sized. */
export const QUEUE_MESSAGE_OVERHEAD_BYTES = 100;

/** Parameters D1 binds in one statement. */
export const D1_MAX_BOUND_PARAMETERS = 100;

/** Results a chunk consumer buffers before it writes them to D1, and the longest it waits (milliseconds). */
export const RESULT_FLUSH_ITEMS = 25;
export const RESULT_FLUSH_MS = 1_000;

/** Milliseconds between a chunk consumer's heartbeats to the batch coordinator. */
export const CHUNK_HEARTBEAT_MS = 30_000;

/** Milliseconds without any sign of progress after which the watchdog re-enqueues a chunk. */
export const WATCHDOG_STALL_MS = 3 * 60_000;

/** Milliseconds between two watchdog alarms of an unfinished batch. */
export const WATCHDOG_INTERVAL_MS = 60_000;

/** Times the watchdog re-enqueues one chunk (or the input pass) before giving its items up as failed. */
export const WATCHDOG_MAX_REENQUEUES = 5;

/** The completion window of a batch: default, shortest and longest, in seconds. */
export const DEFAULT_COMPLETION_WINDOW = "24h";
export const MIN_COMPLETION_WINDOW_SECONDS = 60;
export const MAX_COMPLETION_WINDOW_SECONDS = 7 * 24 * 3600;

/** Characters of an Idempotency-Key header. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

/** Batches returned by one page of GET /api/batches, by default and at most. */
export const DEFAULT_BATCH_PAGE_SIZE = 20;
export const MAX_BATCH_PAGE_SIZE = 100;

/** Results in one page of the JSON download, by default and at most. */
export const DEFAULT_RESULT_PAGE_SIZE = 1_000;
export const MAX_RESULT_PAGE_SIZE = 10_000;

/** Rows read from D1 per step while a JSONL or CSV download streams. */
export const EXPORT_STREAM_PAGE_ROWS = 500;

/**
 * Chunk positions a download asks the batch coordinator for in one request. With 200
 * items per chunk, one request covers 20,000 items.
 */
export const EXPORT_CHUNK_RANGES_PER_REQUEST = 100;

// Schedules and housekeeping on the cron trigger: see docs/schedules.md.

/** Characters of a schedule's name. */
export const MAX_SCHEDULE_NAME_CHARS = 200;

/** Characters of a prefix source; uploaded filenames are at most 255 characters. */
export const MAX_SCHEDULE_PREFIX_CHARS = 255;

/** UTF-8 bytes of a schedule's batch template as stored JSON, well under D1's 2 MB row limit. */
export const MAX_SCHEDULE_TEMPLATE_BYTES = 512 * 1024;

/** Schedules one tenant may have at once. */
export const MAX_SCHEDULES_PER_TENANT = 100;

/** Schedules returned by one page of GET /api/schedules, by default and at most. */
export const DEFAULT_SCHEDULE_PAGE_SIZE = 20;
export const MAX_SCHEDULE_PAGE_SIZE = 100;

/** The most recent runs listed by GET /api/schedules/{id}. */
export const SCHEDULE_RECENT_RUNS = 20;

/** Due schedules fired by one cron tick; the rest stay due and fire on the next tick. */
export const SCHEDULES_PER_TICK = 20;

/** New files one run of a prefix source starts batches for; later files wait for the next run. */
export const SCHEDULE_FILES_PER_RUN = 10;

/** Days that files, batch results and schedule runs are kept, unless RETENTION_DAYS sets another whole number. */
export const DEFAULT_RETENTION_DAYS = 30;

/** Unfinished batches whose coordinator one cron tick re-checks. */
export const RECHECK_BATCHES_PER_TICK = 25;

/** Work one cron tick does for retention: files, finished batches, result rows, R2 objects and schedule runs deleted. */
export const RETENTION_FILES_PER_TICK = 50;
export const RETENTION_BATCHES_PER_TICK = 10;
export const RETENTION_RESULT_ROWS_PER_TICK = 10_000;
/** R2 lists and deletes at most 1,000 keys per call. */
export const RETENTION_OBJECTS_PER_TICK = 1_000;
export const RETENTION_RUNS_PER_TICK = 500;

// --- Tenants ---

/** API requests per minute per tenant when TENANT_RPM is unset; 0 means unlimited. */
export const DEFAULT_TENANT_RPM = 600;
/** Batches per tenant that may be unfinished at once when TENANT_MAX_RUNNING_BATCHES is unset. */
export const DEFAULT_TENANT_MAX_RUNNING_BATCHES = 10;

/** Maximum time a sync call waits for the shared provider rate limit before an item fails, in milliseconds. */
export const SYNC_RATE_LIMIT_WAIT_MS = 120_000;

/**
 * Share of LLM_RPM and LLM_TPM the shared limiter schedules. Calls reach the provider a
 * little after their reserved start, so pacing at exactly the limit lets a rolling
 * one-minute window at the provider count one call too many.
 */
export const PROVIDER_LIMIT_HEADROOM = 0.95;
