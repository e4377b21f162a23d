// The thread of app/services/order-row-threads.server.ts, compiled to build/app-order-rows.mjs: builds each
// orders/paid row it is sent (order-paid-row.server.ts, pure) and answers with it. No database, no env.
import { parentPort, workerData } from "node:worker_threads";
import { orderPaidRowFromBody } from "~/services/order-paid-row.server";
import type { OrderRowReply, OrderRowRequest, OrderRowThreadData } from "~/services/order-row-threads.server";
import { warmOrderRows } from "~/services/warm-up.server";

const port = parentPort;
if (!port) throw new Error("server/order-row-thread.ts runs as a worker thread of the server");
// This thread's own V8 compiles what it runs, so it warms up itself (warm-up.server.ts); rows sent
// meanwhile wait in the port's queue.
const { warmUpIterations } = (workerData ?? { warmUpIterations: 0 }) as OrderRowThreadData;
if (warmUpIterations > 0) {
  try {
    warmOrderRows(warmUpIterations);
  } catch {
    // A bug the first real row would meet too, answered there as any other; the thread still serves.
  }
  port.postMessage({ warmed: true });
}
port.on("message", ({ id, rawBody, input, settings }: OrderRowRequest) => {
  let reply: OrderRowReply;
  try {
    reply = { id, result: orderPaidRowFromBody(rawBody, input, settings) };
  } catch (error) {
    reply = { id, thrown: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
