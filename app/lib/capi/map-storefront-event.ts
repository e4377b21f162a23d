// Storefront and checkout events that reach the server through Shopify's app proxy (POST /proxy/events),
// mapped to Meta server events. Pure: the route has already proven the shop (Shopify's signature) and read
// the shopper's IP, user agent and customer ID from what Shopify forwarded. Every check here drops one
// event with a reason and keeps the rest of the request; only a malformed envelope refuses the whole body.
import { z } from "zod";
import {
  checkCustomEventName,
  customEventListError,
  MAX_CUSTOM_EVENT_NAME_LENGTH,
  META_STANDARD_EVENTS,
  parseCustomEvents,
  type CustomEventNameCheck,
  type CustomEventSetting,
} from "../custom-events";
import { customerKeyOf } from "./customer-key";
import { hasMinimumMatchData } from "./map-order";
import type { CapiServerEvent, CapiUserData } from "./types";

// The custom-name rule lives in app/lib/custom-events.ts (shared with Settings); re-exported for the proxy's callers.
export { checkCustomEventName, customEventListError, MAX_CUSTOM_EVENT_NAME_LENGTH, META_STANDARD_EVENTS, parseCustomEvents };
export type { CustomEventNameCheck, CustomEventSetting };

/** Events one proxy request may carry: a page's batch, never a backlog. */
export const MAX_EVENTS_PER_REQUEST = 20;
/** The stored server event: past this, the event is dropped rather than stored or sent. */
export const MAX_PAYLOAD_BYTES = 4096;
/** Meta accepts events at most 7 days old, and a few minutes of clock skew into the future. */
export const MAX_EVENT_AGE_SECONDS = 7 * 24 * 60 * 60;
export const MAX_FUTURE_SKEW_SECONDS = 5 * 60;

/** The standard events the storefront (theme embed) and checkout (web pixel) report through the proxy. */
export const PROXY_STANDARD_EVENTS = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase"] as const;

export type DropReason =
  | "not_an_object"
  | "unknown_event_name"
  | "event_disabled"
  | "custom_name_too_long"
  | "custom_name_invalid"
  | "custom_name_is_standard"
  | "missing_event_id"
  | "invalid_event_id"
  | "invalid_event_time"
  | "event_time_in_future"
  | "event_time_too_old"
  | "invalid_event_source_url"
  | "invalid_custom_data"
  | "invalid_value"
  | "invalid_currency"
  | "insufficient_customer_information"
  | "missing_user_agent"
  | "payload_too_large";

/**
 * What the embed reports about the page besides events, at most once per browser session on a batch.
 * duplicatePixel: another script on the page inits the shop's pixel too.
 */
export interface ProxyDiagnostics {
  duplicatePixel: boolean;
}

const diagnosticsSchema = z.object({ duplicatePixel: z.literal(true) }).strict();

export type EnvelopeResult = { ok: true; events: unknown[]; diagnostics: ProxyDiagnostics } | { ok: false; error: string };

/** The request body's `{"events": [...]}`; a count past the limit refuses the body before any event is looked at. */
export function parseEnvelope(text: string): EnvelopeResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: 'Body must be JSON: {"events": [...]}' };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, error: 'Body must be a JSON object: {"events": [...]}' };
  }
  const events = (body as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0) {
    return { ok: false, error: "events must be a non-empty array" };
  }
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return { ok: false, error: `At most ${MAX_EVENTS_PER_REQUEST} events per request` };
  }
  // A malformed diagnostics field is ignored rather than refused: it must never cost the batch its events.
  const diagnostics = diagnosticsSchema.safeParse((body as { diagnostics?: unknown }).diagnostics);
  return { ok: true, events, diagnostics: { duplicatePixel: diagnostics.success } };
}

export interface StorefrontMapContext {
  now: Date;
  /** Standard event names switched on in Settings. */
  enabledEvents: readonly string[];
  /** The shop's custom events (parseCustomEvents); only enabled ones are accepted. */
  customEvents: readonly CustomEventSetting[];
  limitedDataUse: boolean;
  /** Already validated by the caller (X-Forwarded-For's first address), or undefined. */
  clientIp?: string;
  userAgent?: string;
  /** Shopify's `logged_in_customer_id` query parameter, when a customer is signed in. */
  loggedInCustomerId?: string | null;
}

/** A server event from the proxy: custom_data is whatever subset of Meta's keys the browser sent. */
export type StorefrontServerEvent = Omit<CapiServerEvent, "custom_data"> & { custom_data?: Record<string, unknown> };

export type StorefrontMapResult =
  | {
      ok: true;
      event: StorefrontServerEvent;
      eventTime: Date;
      customerKey: string | null;
      /** False for Purchase: orders/paid is its server reporter; the proxy only records that the browser sent it. */
      serverCopy: boolean;
    }
  | { ok: false; reason: DropReason };

const EVENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
// Meta's cookie shapes, fb.<subdomain index>.<creation time>.<random or fbclid>; a bad one is left out,
// never rebuilt (a re-cased fbclid would attribute the event to the wrong click).
const FB_COOKIE = /^fb\.\d\.\d{1,16}\.[\x21-\x7e]{1,400}$/;
const MAX_URL_LENGTH = 2048;
const MAX_TEXT = 200;
const MAX_CONTENT_IDS = 50;
const MAX_ID_LENGTH = 100;
const CURRENCIES = new Set(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : []);
const DECIMAL = /^-?\d{1,15}(?:\.\d{1,6})?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function eventNameCheck(name: unknown, ctx: StorefrontMapContext): DropReason | null {
  if (typeof name !== "string" || name.length === 0) return "unknown_event_name";
  if ((PROXY_STANDARD_EVENTS as readonly string[]).includes(name)) {
    return ctx.enabledEvents.includes(name) ? null : "event_disabled";
  }
  const custom = checkCustomEventName(name);
  if (!custom.ok) return custom.reason;
  const setting = ctx.customEvents.find((entry) => entry.name === name);
  if (!setting) return "unknown_event_name";
  return setting.enabled ? null : "event_disabled";
}

function sourceUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > MAX_URL_LENGTH) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function shortText(value: unknown): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" && value.length <= MAX_TEXT ? value : false;
}

function number(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && DECIMAL.test(value.trim())) return Number(value.trim());
  return null;
}

type CustomData = Record<string, unknown>;

/** custom_data as the browser sent it, only the keys Meta knows, each checked and bounded. */
function mapCustomData(input: unknown, eventName: string): { ok: true; data: CustomData | undefined } | { ok: false; reason: DropReason } {
  if (input === undefined || input === null) return { ok: true, data: undefined };
  if (!isRecord(input)) return { ok: false, reason: "invalid_custom_data" };
  const data: CustomData = {};
  if (input.value !== undefined && input.value !== null) {
    const value = number(input.value);
    if (value === null) return { ok: false, reason: "invalid_value" };
    data.value = value;
  }
  if (input.currency !== undefined && input.currency !== null) {
    const currency = typeof input.currency === "string" ? input.currency.trim().toUpperCase() : "";
    if (!CURRENCIES.has(currency)) return { ok: false, reason: "invalid_currency" };
    data.currency = currency;
  }
  if (input.content_ids !== undefined) {
    const ids = input.content_ids;
    if (!Array.isArray(ids) || ids.length > MAX_CONTENT_IDS) return { ok: false, reason: "invalid_custom_data" };
    const kept: string[] = [];
    for (const id of ids) {
      const text = typeof id === "number" && Number.isSafeInteger(id) ? String(id) : id;
      if (typeof text !== "string" || text.length === 0 || text.length > MAX_ID_LENGTH) return { ok: false, reason: "invalid_custom_data" };
      kept.push(text);
    }
    data.content_ids = kept;
  }
  if (input.contents !== undefined) {
    const contents = input.contents;
    if (!Array.isArray(contents) || contents.length > MAX_CONTENT_IDS) return { ok: false, reason: "invalid_custom_data" };
    const kept: { id: string; quantity: number; item_price?: number }[] = [];
    for (const item of contents) {
      if (!isRecord(item)) return { ok: false, reason: "invalid_custom_data" };
      const id = typeof item.id === "number" && Number.isSafeInteger(item.id) ? String(item.id) : item.id;
      const quantity = item.quantity ?? 1;
      if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) return { ok: false, reason: "invalid_custom_data" };
      if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 0)
        return { ok: false, reason: "invalid_custom_data" };
      const price = item.item_price === undefined ? undefined : number(item.item_price);
      if (price === null) return { ok: false, reason: "invalid_value" };
      kept.push({ id, quantity, ...(price === undefined ? {} : { item_price: price }) });
    }
    data.contents = kept;
  }
  if (input.num_items !== undefined) {
    if (typeof input.num_items !== "number" || !Number.isSafeInteger(input.num_items) || input.num_items < 0) {
      return { ok: false, reason: "invalid_custom_data" };
    }
    // Meta: num_items is for InitiateCheckout only; on any other event it is checked, then left out.
    if (eventName === "InitiateCheckout") data.num_items = input.num_items;
  }
  for (const key of ["content_type", "content_name", "content_category", "search_string", "order_id"] as const) {
    const text = shortText(input[key]);
    if (text === false) return { ok: false, reason: "invalid_custom_data" };
    if (text !== undefined) data[key] = text;
  }
  return { ok: true, data: Object.keys(data).length > 0 ? data : undefined };
}

/** One element of the body's `events`, mapped to the server event Meta receives, or the reason it is dropped. */
export function mapStorefrontEvent(input: unknown, ctx: StorefrontMapContext): StorefrontMapResult {
  if (!isRecord(input)) return { ok: false, reason: "not_an_object" };
  const nameProblem = eventNameCheck(input.event_name, ctx);
  if (nameProblem) return { ok: false, reason: nameProblem };
  const eventName = input.event_name as string;

  if (input.event_id === undefined || input.event_id === null || input.event_id === "") return { ok: false, reason: "missing_event_id" };
  if (typeof input.event_id !== "string" || !EVENT_ID.test(input.event_id)) return { ok: false, reason: "invalid_event_id" };

  const eventTime = input.event_time;
  if (typeof eventTime !== "number" || !Number.isSafeInteger(eventTime) || eventTime <= 0)
    return { ok: false, reason: "invalid_event_time" };
  const nowSeconds = Math.floor(ctx.now.getTime() / 1000);
  if (eventTime > nowSeconds + MAX_FUTURE_SKEW_SECONDS) return { ok: false, reason: "event_time_in_future" };
  if (eventTime < nowSeconds - MAX_EVENT_AGE_SECONDS) return { ok: false, reason: "event_time_too_old" };

  const url = sourceUrl(input.event_source_url);
  if (!url) return { ok: false, reason: "invalid_event_source_url" };

  const customData = mapCustomData(input.custom_data, eventName);
  if (!customData.ok) return customData;

  const customerKey = ctx.loggedInCustomerId ? customerKeyOf(ctx.loggedInCustomerId) : null;
  const userData: CapiUserData = {};
  if (customerKey) userData.external_id = customerKey;
  if (ctx.clientIp) userData.client_ip_address = ctx.clientIp;
  if (ctx.userAgent) userData.client_user_agent = ctx.userAgent;
  if (typeof input.fbp === "string" && FB_COOKIE.test(input.fbp)) userData.fbp = input.fbp;
  if (typeof input.fbc === "string" && FB_COOKIE.test(input.fbc)) userData.fbc = input.fbc;
  // Meta requires client_user_agent on every website event; a request without one cannot become one.
  if (!userData.client_user_agent) return { ok: false, reason: "missing_user_agent" };
  if (!hasMinimumMatchData(userData)) return { ok: false, reason: "insufficient_customer_information" };

  const event: StorefrontServerEvent = {
    event_name: eventName,
    event_time: eventTime,
    event_id: input.event_id,
    action_source: "website",
    event_source_url: url,
    user_data: userData,
    ...(customData.data ? { custom_data: customData.data } : {}),
    // Country and state 0: Meta geolocates the shopper, as for the Purchase (map-order.ts).
    ...(ctx.limitedDataUse
      ? { data_processing_options: ["LDU"], data_processing_options_country: 0, data_processing_options_state: 0 }
      : {}),
  };
  if (utf8Length(JSON.stringify(event)) > MAX_PAYLOAD_BYTES) return { ok: false, reason: "payload_too_large" };

  return { ok: true, event, eventTime: new Date(eventTime * 1000), customerKey, serverCopy: eventName !== "Purchase" };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
