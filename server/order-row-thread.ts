// The thread of app/services/order-row-threads.server.ts, compiled to build/app-order-rows.mjs: builds each
// orders/paid row it is sent (order-paid-row.server.ts, pure) and answers with it. No database, no env.
import { parentPort } from "node:worker_threads";
import { orderPaidRowFromBody } from "~/services/order-paid-row.server";
import type { OrderRowReply, OrderRowRequest } from "~/services/order-row-threads.server";

const port = parentPort;
if (!port) throw new Error("server/order-row-thread.ts runs as a worker thread of the server");
port.on("message", ({ id, rawBody, input, settings }: OrderRowRequest) => {
  let reply: OrderRowReply;
  try {
    reply = { id, result: orderPaidRowFromBody(rawBody, input, settings) };
  } catch (error) {
    reply = { id, thrown: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
