// The web pixel's behaviour, given Shopify's extension API. index.ts only hands this to `register`, so a
// test can run exactly this code with a fake API. Checkout only: the theme app embed covers the storefront.
// Each event goes to Meta's /tr and, with the same event ID, to the app through the shop's app proxy.
import type {
  ExtensionApi,
  PixelEventsCheckoutCompleted,
  PixelEventsCheckoutStarted,
  PixelEventsPaymentInfoSubmitted,
} from "@shopify/web-pixels-extension";
import {
  addPaymentInfoFromCheckout,
  buildTrUrl,
  initiateCheckoutFromCheckout,
  isFbCookie,
  parseSettings,
  proxyBody,
  proxyEventsUrl,
  purchaseFromCheckout,
  storefrontConsent,
  type MetaBrowserEvent,
  type PixelSettings,
} from "./meta-request";

// One key per order: a reload or a later visit of the thank-you page finds it and sends nothing, which
// matters most after Meta's 48-hour dedup window, when a second Purchase would count as a second sale.
export const PURCHASE_SENT_KEY_PREFIX = "meta_capi_purchase_sent:";

type CheckoutEvent = PixelEventsCheckoutStarted | PixelEventsPaymentInfoSubmitted | PixelEventsCheckoutCompleted;
type Privacy = { marketingAllowed?: boolean; saleOfDataAllowed?: boolean } | null | undefined;

// As the embed: marketing allowed, and no opt-out of the sale of data.
const consents = (p: Privacy) => p?.marketingAllowed === true && p?.saleOfDataAllowed !== false;

export function createPixel(api: ExtensionApi): void {
  const parsed = parseSettings(api.settings);
  if (!parsed) return;
  const settings: PixelSettings = parsed;

  // Shopify loads the pixel only with the permissions its toml asks for; consent can still change later.
  let marketingAllowed = consents(api.init?.customerPrivacy);
  try {
    api.customerPrivacy?.subscribe("visitorConsentCollected", (event) => {
      marketingAllowed = consents(event?.customerPrivacy);
    });
  } catch {
    // An older manager without the consent bus: the consent at load time stands.
  }

  const on = (name: MetaBrowserEvent["eventName"]) => settings.enabledEvents.includes(name);

  if (on("InitiateCheckout")) {
    api.analytics.subscribe("checkout_started", (event: PixelEventsCheckoutStarted) =>
      guarded(() => send(event, initiateCheckoutFromCheckout(event?.data?.checkout, settings.catalogIds))),
    );
  }
  if (on("AddPaymentInfo")) {
    api.analytics.subscribe("payment_info_submitted", (event: PixelEventsPaymentInfoSubmitted) =>
      guarded(() => send(event, addPaymentInfoFromCheckout(event?.data?.checkout, settings.catalogIds))),
    );
  }
  if (on("Purchase")) {
    api.analytics.subscribe("checkout_completed", (event: PixelEventsCheckoutCompleted) => guarded(() => sendPurchaseOnce(event)));
  }

  function allowed(event: CheckoutEvent): boolean {
    if (!marketingAllowed) return false;
    const recorded = storefrontConsent(event?.data?.checkout);
    if (recorded === "denied") return false;
    // Strict mode tracks explicit consent only; the storefront records it as "granted" on the cart.
    return settings.consentMode !== "strict" || recorded === "granted";
  }

  async function sendPurchaseOnce(event: PixelEventsCheckoutCompleted): Promise<void> {
    const purchase = purchaseFromCheckout(event?.data?.checkout, settings.catalogIds);
    if (!purchase || !allowed(event)) return;
    const key = PURCHASE_SENT_KEY_PREFIX + purchase.eventId;
    const storage = api.browser.localStorage;
    try {
      if (await storage.getItem(key)) return;
      // Marked before sending: two deliveries of the event racing each other must not both send.
      await storage.setItem(key, String(Date.now()));
    } catch {
      // Storage blocked: send anyway; Meta still drops a repeat of this event ID within 48 hours.
    }
    await deliver(event, purchase);
  }

  async function send(event: CheckoutEvent, built: MetaBrowserEvent | null): Promise<void> {
    if (!built || !allowed(event)) return;
    await deliver(event, built);
  }

  async function deliver(event: CheckoutEvent, built: MetaBrowserEvent): Promise<void> {
    const s = settings;
    const [fbp, fbc] = await Promise.all([readCookie("_fbp"), readCookie("_fbc")]);
    const parsed = Date.parse(event?.timestamp ?? "");
    const timestampMs = Number.isFinite(parsed) ? parsed : Date.now();
    const location = event?.context?.document?.location ?? api.init?.context?.document?.location;
    const pageUrl = location?.href ?? null;
    const url = buildTrUrl({
      pixelId: s.pixelId,
      event: built,
      pageUrl,
      referrer: event?.context?.document?.referrer ?? null,
      timestampMs,
      fbp,
      fbc,
      limitedDataUse: s.limitedDataUse,
    });
    const proxy = proxyEventsUrl(location?.origin);
    // no-cors: Meta answers with an image and no CORS headers, and the sandbox's opaque origin makes even the
    // shop's own domain cross-origin; text/plain keeps the POST a simple request. keepalive: the page may be
    // left at once. Neither answer is read, and a refusal (429, 4xx) is never retried.
    await Promise.all([
      fetch(url, { method: "GET", mode: "no-cors", keepalive: true }).catch(() => undefined),
      proxy &&
        fetch(proxy, {
          method: "POST",
          mode: "no-cors",
          keepalive: true,
          headers: { "Content-Type": "text/plain" },
          body: proxyBody({ event: built, pageUrl, timestampMs, fbp, fbc }),
        }).catch(() => undefined),
    ]);
  }

  async function readCookie(name: "_fbp" | "_fbc"): Promise<string | null> {
    try {
      const value = await api.browser.cookie.get(name);
      return isFbCookie(value) ? value : null;
    } catch {
      return null;
    }
  }
}

// A subscriber must never throw into Shopify's event bus or leave an unhandled rejection in the sandbox.
function guarded(run: () => Promise<void>): Promise<void> {
  try {
    return run().catch(() => undefined);
  } catch {
    return Promise.resolve();
  }
}
