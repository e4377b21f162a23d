// The thread of app/services/delivery/worker-thread.server.ts, compiled to build/app-delivery-thread.mjs: the
// embedded server's delivery worker, the same worker `npm run worker` runs (create-worker.server.ts), with its
// own database connection. The server posts "stop"; the thread finishes its batches in flight, closes its
// connection and answers "stopped".
import { parentPort } from "node:worker_threads";
import { closeDb, getDb } from "~/db.server";
import { bootEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";
import { lowerThreadPriority, type DeliveryThreadMessage } from "~/services/delivery/worker-thread.server";

const port = parentPort;
if (!port) throw new Error("server/delivery-thread.ts runs as a worker thread of the server");

const config = bootEnv();
lowerThreadPriority(config.DELIVERY_NICE, logger);
const worker = createWorkerFromEnv(getDb(), config, logger);
worker.start();

port.on("message", async (message: DeliveryThreadMessage) => {
  if (message !== "stop") return;
  await worker.stop();
  await closeDb();
  port.postMessage("stopped" satisfies DeliveryThreadMessage);
  port.close();
});
