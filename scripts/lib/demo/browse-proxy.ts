// A storefront to open in your own browser after the demo (`npm run demo -- --keep-running`). It is the
// same local storefront (the embed's real Liquid and script), behind a small proxy that puts the stand-in
// Meta's fbevents.js in <head>: the embed then uses that `fbq` instead of loading Meta's real script from
// connect.facebook.net, so browsing it sends nothing to Meta and every event shows up at the stand-in.
// The storefront plays Shopify's app proxy too: the embed's /apps/meta-capi/events posts reach the app's
// /proxy/events signed, so their server copies show up at the stand-in's Conversions API.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeMeta } from "../../../dev/fake-meta";
import { startStorefront, type AppProxyTarget } from "../../../dev/storefront/storefront";

export async function startBrowsableStorefront(opts: {
  meta: FakeMeta;
  shop: string;
  shopName: string;
  pixelId: string;
  appProxy: AppProxyTarget;
}): Promise<{ url: string; close(): Promise<void> }> {
  const store = await startStorefront({
    template: "index",
    consent: "granted",
    shop: opts.shop,
    shopName: opts.shopName,
    metafields: { pixel_id: opts.pixelId },
    appProxy: opts.appProxy,
  });
  const inject = `<script src="${opts.meta.pixelUrl}/en_US/fbevents.js"></script>`;

  const proxy = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(store.origin + (req.url ?? "/"), {
        method: req.method,
        // The shopper's user agent too: the app puts it in the server copy of each event.
        headers: Object.fromEntries(
          (["content-type", "user-agent"] as const).flatMap((name) => (req.headers[name] ? [[name, String(req.headers[name])]] : [])),
        ),
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
        redirect: "manual",
      });
      const type = upstream.headers.get("content-type") ?? "";
      const headers: Record<string, string> = { "cache-control": "no-store" };
      if (type) headers["content-type"] = type;
      const location = upstream.headers.get("location");
      if (location) headers.location = location;
      let body = Buffer.from(await upstream.arrayBuffer());
      if (type.startsWith("text/html")) body = Buffer.from(body.toString("utf8").replace("<head>", `<head>${inject}`));
      res.writeHead(upstream.status, headers).end(body);
    } catch (error) {
      res.writeHead(502, { "content-type": "text/plain" }).end(`Demo storefront proxy: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      });
      await store.close();
    },
  };
}
