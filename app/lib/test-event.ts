// The event the admin sends to prove a connection: one PageView that Meta shows in Events Manager →
// Test Events when it carries the shop's test event code. It must satisfy Meta's rules for website
// events (event_source_url, client_user_agent, enough customer information) or Meta would refuse the
// event itself and the merchant would learn nothing about the connection.
import { randomUUID } from "node:crypto";
import type { CapiServerEvent } from "./capi/types";
import { sha256Hex } from "./capi/normalize";

// A stand-in when the admin request carried no user agent (Meta requires one for website events).
const FALLBACK_USER_AGENT = "Mozilla/5.0 (compatible; MetaCapiShopifyAdminTest/1.0)";

export interface TestEventOptions {
  shop: string;
  now: Date;
  /** The merchant's browser, which is the one looking at Test Events. */
  userAgent: string | null;
  limitedDataUse: boolean;
  eventId?: string;
}

export function buildTestEvent(opts: TestEventOptions): CapiServerEvent {
  const event: CapiServerEvent = {
    event_name: "PageView",
    event_time: Math.floor(opts.now.getTime() / 1000),
    event_id: opts.eventId ?? `admin_test_${randomUUID()}`,
    action_source: "website",
    event_source_url: `https://${opts.shop}/`,
    user_data: {
      // A stable, obviously synthetic customer: identifies "the admin test" without being anyone's data.
      external_id: sha256Hex(`meta-capi-admin-test:${opts.shop}`),
      client_user_agent: opts.userAgent?.trim() || FALLBACK_USER_AGENT,
    },
  };
  if (opts.limitedDataUse) {
    // 0/0 lets Meta geolocate the event, as for real events sent under Limited Data Use.
    event.data_processing_options = ["LDU"];
    event.data_processing_options_country = 0;
    event.data_processing_options_state = 0;
  }
  return event;
}
