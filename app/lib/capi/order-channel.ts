// Which sales channel an order came from, and what that means for Meta: a pure decision from the order's
// `source_name` and whether Shopify recorded the shopper's browser (client_details.user_agent).
//
// Meta (meta-capi-reference.md §3): `action_source` must say truthfully where the conversion happened, and a
// `website` event requires `client_user_agent` and `event_source_url`; non-web events require only
// `action_source`. So an order is never sent as `website` without a user agent, and an order that did not happen
// in a browser is never given one: it is sent with the action source that is true of it, or skipped with a code.
//
//   source_name                       user agent   decision
//   web (online store checkout)       yes          website
//   web                               no           skip: website_no_user_agent (Meta would refuse it; the
//                                                  browser pixel's Purchase, when it fired, still reports it)
//   pos                               any          physical_store when the shop sends in-store sales, else
//                                                  skip: pos_disabled (off by default)
//   subscription_contract*            any          system_generated (Meta's own example: an auto-paid renewal)
//   shopify_draft_order, iphone,      yes          website (a draft order's invoice, an app's checkout paid in
//   android, <app id>, other                       the shopper's browser)
//   shopify_draft_order, iphone,      no           skip: not_online_order (typed in the admin or created by an
//   android, <app id>, other                       app: no true action source we could name, and `other`
//                                                  would only add unattributable noise)
export type OrderChannel = "web" | "pos" | "draft" | "admin_app" | "subscription" | "api";

export type ChannelActionSource = "website" | "physical_store" | "system_generated";

export type ChannelSkipCode = "website_no_user_agent" | "pos_disabled" | "not_online_order";

export type ChannelDecision =
  | { send: true; channel: OrderChannel; actionSource: ChannelActionSource }
  | { send: false; channel: OrderChannel; reason: ChannelSkipCode };

export function orderChannel(sourceName: string | null | undefined): OrderChannel {
  const s = (sourceName ?? "").trim().toLowerCase();
  // An order without source_name is treated as the online store's: that is what Shopify's own sample sends.
  if (s === "" || s === "web") return "web";
  if (s === "pos") return "pos";
  if (s === "shopify_draft_order") return "draft";
  // Shopify's mobile admin apps.
  if (s === "iphone" || s === "android") return "admin_app";
  if (s.startsWith("subscription_contract")) return "subscription";
  // An app's ID (digits) or any other channel name: created through the API.
  return "api";
}

export function decideChannel(input: {
  sourceName: string | null | undefined;
  hasUserAgent: boolean;
  sendPosOrders: boolean;
}): ChannelDecision {
  const channel = orderChannel(input.sourceName);
  switch (channel) {
    case "pos":
      return input.sendPosOrders
        ? { send: true, channel, actionSource: "physical_store" }
        : { send: false, channel, reason: "pos_disabled" };
    case "subscription":
      return { send: true, channel, actionSource: "system_generated" };
    case "web":
      return input.hasUserAgent
        ? { send: true, channel, actionSource: "website" }
        : { send: false, channel, reason: "website_no_user_agent" };
    default:
      return input.hasUserAgent ? { send: true, channel, actionSource: "website" } : { send: false, channel, reason: "not_online_order" };
  }
}
