import { hostname } from "node:os";
import type { Db } from "~/db.server";
import { decodeKey, type Env } from "~/env.server";
import type { Logger } from "~/logger.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { ledgerIngestGate } from "./ingest-gate.server";
import { DeliveryWorker } from "./worker.server";

/** The worker as configured by the environment: the same for the in-process and the standalone mode. */
export function createWorkerFromEnv(db: Db, config: Env, logger: Logger, opts: { deferWhile?: () => boolean } = {}): DeliveryWorker {
  return new DeliveryWorker({
    db,
    meta: createGraphClient({
      baseUrl: config.META_GRAPH_API_URL,
      apiVersion: config.META_GRAPH_API_VERSION,
      timeoutMs: config.DELIVERY_REQUEST_TIMEOUT_MS,
    }),
    encryptionKey: decodeKey(config.TOKEN_ENCRYPTION_KEY)!,
    previousEncryptionKey: config.TOKEN_ENCRYPTION_KEY_PREVIOUS ? decodeKey(config.TOKEN_ENCRYPTION_KEY_PREVIOUS) : null,
    workerId: `${hostname()}:${process.pid}`,
    batchSize: config.DELIVERY_BATCH_SIZE,
    leaseMs: config.DELIVERY_LEASE_MS,
    requestTimeoutMs: config.DELIVERY_REQUEST_TIMEOUT_MS,
    retryBaseMs: config.DELIVERY_RETRY_BASE_MS,
    retryMaxMs: config.DELIVERY_RETRY_MAX_MS,
    pollMs: config.DELIVERY_POLL_MS,
    concurrency: config.DELIVERY_CONCURRENCY,
    logger: logger.child({ component: "worker" }),
    retention: { days: config.DELIVERY_RETENTION_DAYS, storefrontDays: config.STOREFRONT_EVENT_RETENTION_DAYS },
    // A lone server passes its own count of requests; any other worker counts the queues' new rows.
    deferWhile: opts.deferWhile ?? ledgerIngestGate(db, { maxDeferMs: config.DELIVERY_DEFER_MS, logger }),
  });
}
