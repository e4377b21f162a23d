import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mapOrderToPurchase } from "./map-order";
import { decideChannel, orderChannel } from "./order-channel";
import { parseOrderJson } from "./order-payload";

const fixture = (name: string) =>
  parseOrderJson(readFileSync(new URL(`../../../tests/fixtures/webhooks/orders-paid.${name}.json`, import.meta.url), "utf8"));

const SHOP = "jsmith.myshopify.com";
const NOW = new Date("2026-11-29T14:00:00Z");
const ctx = { shopDomain: SHOP, now: NOW };

describe("orderChannel", () => {
  it.each([
    ["web", "web"],
    [null, "web"],
    ["", "web"],
    ["pos", "pos"],
    ["POS", "pos"],
    ["shopify_draft_order", "draft"],
    ["iphone", "admin_app"],
    ["android", "admin_app"],
    ["subscription_contract", "subscription"],
    ["subscription_contract_checkout_one", "subscription"],
    ["1354745", "api"],
    ["some_channel", "api"],
  ])("reads source_name %j as %s", (sourceName, channel) => {
    expect(orderChannel(sourceName)).toBe(channel);
  });
});

describe("decideChannel", () => {
  it("never sends a website event without a user agent", () => {
    for (const sourceName of ["web", null, "pos", "shopify_draft_order", "iphone", "1354745", "subscription_contract"]) {
      for (const sendPosOrders of [false, true]) {
        const decision = decideChannel({ sourceName, hasUserAgent: false, sendPosOrders });
        expect(decision.send && decision.actionSource === "website").toBe(false);
      }
    }
  });

  it("sends POS as physical_store only when the shop asked for it", () => {
    expect(decideChannel({ sourceName: "pos", hasUserAgent: false, sendPosOrders: false })).toEqual({
      send: false,
      channel: "pos",
      reason: "pos_disabled",
    });
    expect(decideChannel({ sourceName: "pos", hasUserAgent: true, sendPosOrders: true })).toEqual({
      send: true,
      channel: "pos",
      actionSource: "physical_store",
    });
  });

  it("sends a draft order or an app's order paid in a browser as a website event", () => {
    expect(decideChannel({ sourceName: "shopify_draft_order", hasUserAgent: true, sendPosOrders: false })).toMatchObject({
      send: true,
      actionSource: "website",
    });
    expect(decideChannel({ sourceName: "1354745", hasUserAgent: true, sendPosOrders: false })).toMatchObject({
      send: true,
      actionSource: "website",
    });
  });
});

describe("mapOrderToPurchase per channel (fixtures shaped like Shopify's)", () => {
  it("web with the shopper's browser: a website event with user agent and page", () => {
    const r = mapOrderToPurchase(fixture("web"), ctx);
    if (!r.ok) throw new Error(r.reason);
    expect(r.channelSkip).toBeNull();
    expect(r.event.action_source).toBe("website");
    expect(r.event.user_data.client_user_agent).toMatch(/^Mozilla\/5\.0 \(iPhone/);
    expect(r.event.event_source_url).toBe("https://jsmith.myshopify.com/products/ipod-nano?utm_source=facebook");
  });

  it("puts event_source_url on the shop's primary domain when known, the myshopify host otherwise", () => {
    const r = mapOrderToPurchase(fixture("web"), { ...ctx, primaryDomain: "https://shop.example.com" });
    if (!r.ok) throw new Error(r.reason);
    expect(r.event.event_source_url).toBe("https://shop.example.com/products/ipod-nano?utm_source=facebook");
    const bad = mapOrderToPurchase(fixture("web"), { ...ctx, primaryDomain: "not a host" });
    if (!bad.ok) throw new Error(bad.reason);
    expect(bad.event.event_source_url).toBe("https://jsmith.myshopify.com/products/ipod-nano?utm_source=facebook");
  });

  it("Shopify's own sample (web, no client_details): skipped, not a website event without a user agent", () => {
    const r = mapOrderToPurchase(fixture("sample"), ctx);
    if (!r.ok) throw new Error(r.reason);
    expect(r.channelSkip).toBe("website_no_user_agent");
  });

  it("POS: skipped by default, physical_store without a page when switched on", () => {
    const off = mapOrderToPurchase(fixture("pos"), ctx);
    if (!off.ok) throw new Error(off.reason);
    expect(off.channelSkip).toBe("pos_disabled");

    const on = mapOrderToPurchase(fixture("pos"), { ...ctx, sendPosOrders: true });
    if (!on.ok) throw new Error(on.reason);
    expect(on.channelSkip).toBeNull();
    expect(on.event.action_source).toBe("physical_store");
    expect(on.event).not.toHaveProperty("event_source_url");
    expect(on.event.user_data.em).toMatch(/^[0-9a-f]{64}$/);
  });

  it("draft order typed in the admin and an app's order without a browser: skipped as not online", () => {
    for (const name of ["draft", "api"]) {
      const r = mapOrderToPurchase(fixture(name), ctx);
      if (!r.ok) throw new Error(r.reason);
      expect(r.channelSkip).toBe("not_online_order");
    }
  });

  it("subscription renewal: system_generated, no page", () => {
    const r = mapOrderToPurchase(fixture("subscription"), ctx);
    if (!r.ok) throw new Error(r.reason);
    expect(r.channelSkip).toBeNull();
    expect(r.event.action_source).toBe("system_generated");
    expect(r.event).not.toHaveProperty("event_source_url");
  });

  it("no fixture, in any setting, yields a sendable website event missing a required field", () => {
    for (const name of ["web", "sample", "pos", "draft", "api", "subscription"]) {
      for (const sendPosOrders of [false, true]) {
        const r = mapOrderToPurchase(fixture(name), { ...ctx, sendPosOrders });
        if (!r.ok || r.channelSkip !== null || r.event.action_source !== "website") continue;
        expect(r.event.user_data.client_user_agent, name).toBeTruthy();
        expect(r.event.event_source_url, name).toMatch(/^https:\/\//);
      }
    }
  });

  it("an anonymous POS sale (no customer, no address) is skipped when POS is off, never a failure", () => {
    const order = fixture("pos") as Record<string, unknown>;
    for (const key of ["customer", "billing_address", "shipping_address", "email", "contact_email", "phone"]) order[key] = null;
    const r = mapOrderToPurchase(order, ctx);
    expect(r).toMatchObject({ ok: true, channelSkip: "pos_disabled" });
  });
});
