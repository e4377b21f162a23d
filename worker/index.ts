// `npm run worker`: the delivery worker on its own, for the scale-out mode (PostgreSQL, several
// processes). On SQLite the server runs the same worker in-process by default.
import { closeDb, getDb } from "~/db.server";
import { bootEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";
import { lowerThreadPriority } from "~/services/delivery/priority.server";

const config = bootEnv();
// Below the HTTP processes that share the machine with it (DELIVERY_NICE).
lowerThreadPriority(config.DELIVERY_NICE, logger);

const worker = createWorkerFromEnv(getDb(), config, logger);
worker.start();
logger.info({ database: config.DATABASE_URL.startsWith("file:") ? "sqlite" : "postgresql" }, "delivery worker started");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing the batch in flight");
    await worker.stop();
    await closeDb();
    process.exit(0);
  });
}
