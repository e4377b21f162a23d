// The design this app avoids, kept only as the benchmark's baseline: the orders/paid webhook calls Meta
// inside the request and answers Shopify when Meta has answered (most open-source attempts work this way).
// It is given every advantage the real app has: the same HMAC check, the same mapping (mapOrderToPurchase)
// and the same Meta client, with the pixel and token in memory instead of read from a database. Only the
// design differs, so the difference in the figures is the design's.
//
//   PORT=… SHOPIFY_API_SECRET=… META_GRAPH_API_URL=… PIXEL_ID=… META_ACCESS_TOKEN=… npx tsx bench/naive-server.ts
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { createGraphClient } from "~/services/meta/graph-client.server";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(1);
  }
  return value;
}

const port = Number(process.env.PORT ?? 3100);
const secret = required("SHOPIFY_API_SECRET");
const pixelId = required("PIXEL_ID");
const accessToken = required("META_ACCESS_TOKEN");
const meta = createGraphClient({
  baseUrl: required("META_GRAPH_API_URL"),
  apiVersion: process.env.META_GRAPH_API_VERSION ?? "v25.0",
  // The same request timeout as the app's worker (DELIVERY_REQUEST_TIMEOUT_MS' default).
  timeoutMs: Number(process.env.META_TIMEOUT_MS ?? 10_000),
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const raw = Buffer.concat(chunks);
      if (req.method !== "POST" || req.url !== "/webhooks/orders/paid") return answer(404);
      const expected = createHmac("sha256", secret).update(raw).digest();
      const given = Buffer.from(String(req.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(401);

      const shop = String(req.headers["x-shopify-shop-domain"] ?? "");
      const mapped = mapOrderToPurchase(raw.toString("utf8"), { shopDomain: shop, now: new Date() });
      if (!mapped.ok) return answer(mapped.orderId === null ? 400 : 200);

      const result = await meta.sendEvents({ pixelId, accessToken, events: [mapped.event] });
      // Failing the webhook is this design's only way not to lose the sale: Shopify retries it later.
      answer(result.ok ? 200 : 502);
    } catch {
      answer(500);
    }
  });

  function answer(status: number) {
    res.writeHead(status, { "content-length": "0" }).end();
  }
});

server.listen(port, "127.0.0.1", () => console.log(`naive server listening on ${port}`));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
