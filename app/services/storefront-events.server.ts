// POST /proxy/events after Shopify's signature has proven the shop: rate limits, the body, the shop's
// state and settings, then one server event per accepted browser event in StorefrontEvent (Purchase and
// InitiateCheckout also as "browser event seen" for the admin's order page), and the embed's duplicate-pixel
// report on the shop's settings. Never calls Meta.
import { isIP } from "node:net";
import type { Db } from "~/db.server";
import { env } from "~/env.server";
import {
  mapStorefrontEvent,
  parseEnvelope,
  MAX_EVENTS_PER_REQUEST,
  MAX_PAYLOAD_BYTES,
  type DropReason,
} from "~/lib/capi/map-storefront-event";
import { err, ok, type Result } from "~/lib/result";
import { logger } from "~/logger.server";
import { recordBrowserEventSeen } from "~/models/browser-event.server";
import { recordDuplicatePixelSeen } from "~/models/duplicate-pixel.server";
import { findInstalledShopSettings } from "~/models/shop-settings.server";
import { recordStorefrontEvent } from "~/models/storefront-event.server";
import { BodyTooLargeError, declaresTooLarge, readBodyWithLimit } from "~/services/body-limit.server";

/** 20 events at their 4 KB bound, and the envelope: anything larger is not our browser code. */
export const MAX_PROXY_BODY_BYTES = MAX_EVENTS_PER_REQUEST * MAX_PAYLOAD_BYTES + 1024;

/** Token buckets keyed by a string; idle keys are forgotten oldest first past `maxKeys`. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, nowMs: number): boolean {
    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) {
      tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.ratePerSecond);
      // Re-inserted so the Map's order is least recently used first.
      this.buckets.delete(key);
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
    return allowed;
  }
}

export interface ProxyLimits {
  shopRate: number;
  shopBurst: number;
  ipRate: number;
  ipBurst: number;
}

/** What the proxy refused or dropped, per shop, since the process started: for logs and the admin. */
export class ProxyCounters {
  private readonly byShop = new Map<string, Map<string, number>>();

  add(shop: string, reason: string, count = 1): void {
    const counts = this.byShop.get(shop) ?? new Map<string, number>();
    counts.set(reason, (counts.get(reason) ?? 0) + count);
    this.byShop.set(shop, counts);
  }

  forShop(shop: string): Record<string, number> {
    return Object.fromEntries(this.byShop.get(shop) ?? []);
  }
}

export class ProxyIngest {
  readonly counters = new ProxyCounters();
  private readonly shops: TokenBuckets;
  private readonly ips: TokenBuckets;
  // One warning per shop a minute at most: a flood must not become a flood of log lines.
  private readonly lastWarned = new Map<string, number>();

  constructor(limits: ProxyLimits) {
    this.shops = new TokenBuckets(limits.shopRate, limits.shopBurst, 50_000);
    this.ips = new TokenBuckets(limits.ipRate, limits.ipBurst);
  }

  async receive(db: Db, input: ProxyRequest): Promise<ProxyOutcome> {
    const { shop, now } = input;
    const request = httpInput(input.request);
    const clientIp = firstForwardedAddress(request.header("x-forwarded-for") ?? null);
    const nowMs = now.getTime();
    // The shopper's bucket first: one address flooding must not spend the budget of the shop's other shoppers.
    // Requests without a usable address share one bucket.
    if (!this.ips.take(`${shop}\u0000${clientIp ?? "-"}`, nowMs) || !this.shops.take(shop, nowMs)) {
      this.counters.add(shop, "rate_limited");
      this.warn(shop, nowMs);
      return err({ kind: "rate-limited" });
    }
    if (declaresTooLarge(request.header("content-length"), MAX_PROXY_BODY_BYTES)) {
      return err({ kind: "too-large", limitBytes: MAX_PROXY_BODY_BYTES });
    }
    let text: string;
    try {
      text = await request.readBody(MAX_PROXY_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return err({ kind: "too-large", limitBytes: MAX_PROXY_BODY_BYTES });
      return err({ kind: "unreadable-body" });
    }
    const envelope = parseEnvelope(text);
    if (!envelope.ok) return err({ kind: "bad-envelope", message: envelope.error });

    // Anyone can reach the proxy URL of any shop that ever had the app; only installed shops store anything.
    const settings = await findInstalledShopSettings(db, shop);
    if (!settings) return err({ kind: "unknown-shop" });

    const dropped: ProxyDrop[] = [];
    const writes: Promise<unknown>[] = [];
    const userAgent = request.header("user-agent")?.slice(0, 512) || undefined;
    envelope.events.forEach((raw, index) => {
      const mapped = mapStorefrontEvent(raw, {
        now,
        enabledEvents: settings.enabledEvents,
        customEvents: settings.customEvents,
        limitedDataUse: settings.limitedDataUse,
        clientIp: clientIp ?? undefined,
        userAgent,
        loggedInCustomerId: input.loggedInCustomerId,
      });
      if (!mapped.ok) {
        dropped.push({ index, reason: mapped.reason });
        return;
      }
      const { event_name: eventName, event_id: eventId } = mapped.event;
      if (eventName === "Purchase" || eventName === "InitiateCheckout") {
        writes.push(recordBrowserEventSeen(db, { shop, eventName, eventId, source: "web-pixel" }));
      }
      if (!mapped.serverCopy) return;
      if (!settings.pixelId) {
        dropped.push({ index, reason: "pixel_not_configured" });
        return;
      }
      writes.push(
        recordStorefrontEvent(db, {
          shop,
          pixelId: settings.pixelId,
          eventName,
          eventId,
          eventTime: mapped.eventTime,
          payload: JSON.stringify(mapped.event),
          customerKey: mapped.customerKey,
        }),
      );
    });
    if (envelope.diagnostics.duplicatePixel) writes.push(recordDuplicatePixelSeen(db, { shop, at: now }));
    await Promise.all(writes);
    for (const { reason } of dropped) this.counters.add(shop, reason);
    return ok({ accepted: envelope.events.length - dropped.length, dropped });
  }

  private warn(shop: string, nowMs: number): void {
    const last = this.lastWarned.get(shop) ?? 0;
    if (nowMs - last < 60_000) return;
    this.lastWarned.set(shop, nowMs);
    logger.warn({ shop, dropped: this.counters.forShop(shop) }, "app proxy rate limit reached; requests answered 429");
  }
}

export interface ProxyRequest {
  shop: string;
  loggedInCustomerId: string | null;
  /** A Web Request (the Remix route), or headers and a body reader from any HTTP layer (the fast path). */
  request: Request | ProxyHttpInput;
  now: Date;
}

export interface ProxyHttpInput {
  /** Matched case-insensitively. */
  header(name: string): string | null | undefined;
  /** The body as UTF-8 text, at most `limit` bytes (throws BodyTooLargeError past it). */
  readBody(limit: number): Promise<string>;
}

function httpInput(request: Request | ProxyHttpInput): ProxyHttpInput {
  if ("readBody" in request) return request;
  return { header: (name) => request.headers.get(name), readBody: (limit) => readBodyWithLimit(request, limit) };
}

/** One browser event the proxy did not store, by its index in the request. */
export interface ProxyDrop {
  index: number;
  reason: DropReason | "pixel_not_configured";
}

/** Why a whole request was refused; the route picks the HTTP status (app/routes/proxy.events.tsx). */
export type ProxyRefusal =
  | { kind: "rate-limited" }
  | { kind: "too-large"; limitBytes: number }
  | { kind: "unreadable-body" }
  | { kind: "bad-envelope"; message: string }
  | { kind: "unknown-shop" };

export type ProxyOutcome = Result<{ accepted: number; dropped: ProxyDrop[] }, ProxyRefusal>;

/** Shopify's proxy appends the shopper's address; the first entry is theirs. Null when it is not an IP. */
export function firstForwardedAddress(header: string | null): string | null {
  const first = header?.split(",")[0]?.trim();
  if (!first || first.length > 64) return null;
  return isIP(first) ? first : null;
}

let shared: ProxyIngest | null = null;

/** The process's proxy ingest, with the limits the environment sets (one set of buckets per process). */
export function proxyIngest(): ProxyIngest {
  if (!shared) {
    const config = env();
    shared = new ProxyIngest({
      shopRate: config.PROXY_SHOP_RATE,
      shopBurst: config.PROXY_SHOP_BURST,
      ipRate: config.PROXY_IP_RATE,
      ipBurst: config.PROXY_IP_BURST,
    });
  }
  return shared;
}
