// The one module that reads process.env. Every variable is validated here once, so a missing or
// malformed one stops start-up with a message that names it instead of failing later mid-request.
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";

const DEV_DATABASE_URL = "file:./prisma/dev.sqlite";

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  // Production unless development is asked for: development mode shows stack traces to callers and
  // accepts the example's all-zero key, which must never happen by default (`npm start` sets nothing).
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: integer(3000, 1, 65535),
  DATABASE_URL: z
    .string()
    .default(DEV_DATABASE_URL)
    .refine((v) => /^file:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
      message: "must be a SQLite file: URL (file:./prisma/dev.sqlite) or a postgresql:// URL",
    }),
  SHOPIFY_API_KEY: z.string().min(1, "is required (the app's client ID)"),
  SHOPIFY_API_SECRET: z.string().min(1, "is required (the app's client secret)"),
  SHOPIFY_APP_URL: z.string().url("must be the app's public https URL"),
  SCOPES: z
    .string()
    .min(1, "is required, e.g. read_orders,write_pixels,read_customer_events")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  META_GRAPH_API_URL: z
    .string()
    .url("must be a URL such as https://graph.facebook.com")
    .default("https://graph.facebook.com")
    .transform((v) => v.replace(/\/+$/, "")),
  META_GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, "must look like v25.0")
    .default("v25.0"),
  // 32 bytes for AES-256-GCM, as 64 hex characters or base64. `openssl rand -hex 32` makes one.
  TOKEN_ENCRYPTION_KEY: z
    .string({ required_error: "is required: 32 random bytes as hex (openssl rand -hex 32)" })
    .refine((v) => decodeKey(v) !== null, {
      message: "must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)",
    }),
  // The key TOKEN_ENCRYPTION_KEY replaced, while stored tokens are re-sealed (README: rotating the key).
  TOKEN_ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .refine((v) => decodeKey(v) !== null, {
      message: "must be 32 bytes as 64 hex characters or base64, like TOKEN_ENCRYPTION_KEY",
    })
    .optional(),
  DELIVERY_RETRY_BASE_MS: integer(30_000, 1, 86_400_000),
  DELIVERY_RETRY_MAX_MS: integer(3_600_000, 1, 86_400_000),
  DELIVERY_REQUEST_TIMEOUT_MS: integer(10_000, 100, 120_000),
  DELIVERY_BATCH_SIZE: integer(1000, 1, 1000),
  DELIVERY_POLL_MS: integer(1000, 10, 60_000),
  DELIVERY_LEASE_MS: integer(120_000, 1000, 3_600_000),
  // Batches each worker process has in flight to Meta at once (each claimed apart, up to DELIVERY_BATCH_SIZE
  // rows): a request waits on Meta for hundreds of milliseconds, in which the process could send others.
  DELIVERY_CONCURRENCY: integer(4, 1, 64),
  // A worker process's scheduling priority (`npm run worker`; Linux nice value): on a machine the HTTP processes
  // share with it, webhooks and storefront events, which callers wait on, run first, and delivery, which has
  // minutes of slack, takes what they leave. The in-process worker shares the server's thread and keeps its priority.
  DELIVERY_NICE: integer(10, 0, 19),
  // Workers hold delivery off while webhooks and storefront events arrive fast, for at most this long per busy
  // spell, then deliver alongside (delivery/ingest-first.ts, ingest-gate.server.ts). 0: never.
  DELIVERY_DEFER_MS: integer(30_000, 0, 600_000),
  // Delivery rows (and browser events, data-request reports) older than this are purged by the worker. At
  // least 7: Meta accepts events up to 7 days old, and a row that can still be sent must not be purged.
  DELIVERY_RETENTION_DAYS: integer(90, 7, 3650),
  // HTTP processes `npm start` runs (node:cluster), PostgreSQL only: SQLite takes one writer at a time, and
  // better-sqlite3 waits for the lock synchronously, so a second process would stall the first, not help it.
  WEB_CONCURRENCY: integer(1, 1, 64),
  // Threads per HTTP process that parse and map orders/paid bodies beside the event loop (about 40% of a
  // webhook's CPU), so a core the one HTTP process leaves idle takes that share. 0: on the event loop, as
  // routes do. Unset: 1 with one HTTP process, 0 with several (WEB_CONCURRENCY), whose processes already
  // fill the cores and lost throughput to the threads' hand-offs in the bench (resolvedOrderRowThreads).
  ORDER_ROW_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  // Times a web process runs the pure part of each hot request (an orders/paid row, an app proxy batch) on
  // sample input before it listens, so V8 has optimised it before real traffic arrives (warm-up.server.ts):
  // about half a second of start-up at 1,000. 0: no warm-up.
  WARM_UP_ITERATIONS: integer(1_000, 0, 100_000),
  // in-process: the server runs the worker (embedded default); external: run `npm run worker` apart.
  WORKER_MODE: z.enum(["in-process", "external"]).default("in-process"),
  // Request bodies the server may hold at once, across all requests; past it new bodies get a 503 with
  // Retry-After, so a flood of large unauthenticated posts cannot take the process's memory. At least one
  // largest body (2 MB).
  MAX_BODY_BYTES_IN_FLIGHT: integer(64 * 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024 * 1024),
  // Webhook deliveries one process handles at once; past it new ones get 503 + Retry-After before their
  // body is read, and Shopify retries them. Bounds the queue (memory, latency) under a flood.
  WEBHOOK_MAX_IN_FLIGHT: integer(256, 1, 100_000),
  // App proxy (POST /proxy/events) token buckets, per process: requests a second and burst, per shop and
  // per shopper IP (X-Forwarded-For). Past them a request gets 429 and is counted.
  PROXY_SHOP_RATE: integer(500, 1, 1_000_000),
  PROXY_SHOP_BURST: integer(1000, 1, 1_000_000),
  PROXY_IP_RATE: integer(5, 1, 1_000_000),
  PROXY_IP_BURST: integer(30, 1, 1_000_000),
  // Server copies of storefront events are purged after this many days, whatever their status (Meta takes
  // none older than 7): they are many times more numerous than purchases and the admin only counts them.
  STOREFRONT_EVENT_RETENTION_DAYS: integer(7, 1, 90),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

export function decodeKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) {
    const buf = Buffer.from(trimmed, "base64");
    if (buf.length === 32) return buf;
  }
  return null;
}

/** The keys that may open a stored access token: the current one first, then the one it replaced. */
export function tokenKeys(config: Pick<Env, "TOKEN_ENCRYPTION_KEY" | "TOKEN_ENCRYPTION_KEY_PREVIOUS">): Buffer[] {
  const keys = [decodeKey(config.TOKEN_ENCRYPTION_KEY)!];
  if (config.TOKEN_ENCRYPTION_KEY_PREVIOUS) keys.push(decodeKey(config.TOKEN_ENCRYPTION_KEY_PREVIOUS)!);
  return keys;
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function parseEnvironment(source: Record<string, string | undefined>): Env {
  // An empty string in a .env file means "not set", so defaults still apply.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema
    .refine((e) => e.NODE_ENV !== "production" || !/^0+$/.test(e.TOKEN_ENCRYPTION_KEY), {
      message:
        "is the example's all-zero key, refused in production (the default): generate a real one with `openssl rand -hex 32` (NODE_ENV=development accepts it, for local development only)",
      path: ["TOKEN_ENCRYPTION_KEY"],
    })
    .safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  return result.data;
}

/** Loads ./.env (if present) without overriding variables already set in the environment. */
export function loadDotEnv(path = ".env"): void {
  if (!existsSync(path)) return;
  const parsed = parseEnv(readFileSync(path, "utf8"));
  for (const [key, value] of Object.entries(parsed)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnvironment(process.env);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * For process entry points (server, worker, CLI): reads ./.env, validates, and on a bad environment
 * prints what is wrong and exits, since nothing can run without it.
 */
export function bootEnv(): Env {
  loadDotEnv();
  try {
    return env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** ORDER_ROW_THREADS as the server runs it: the setting, or its default for the number of HTTP processes. */
export function resolvedOrderRowThreads(config: Pick<Env, "ORDER_ROW_THREADS" | "WEB_CONCURRENCY">): number {
  return config.ORDER_ROW_THREADS ?? (config.WEB_CONCURRENCY > 1 ? 0 : 1);
}
