// The home page's checklist: five facts about the store, each either done or paired with the one thing
// the merchant should do next. Pure: services gather the facts, this decides the words.
import { formatDateTime } from "./format";

export type ChecklistId = "pixel" | "embed" | "webPixel" | "browserEvent" | "serverPurchase";

export interface ChecklistAction {
  label: string;
  url: string;
  /** Opens outside the app (the theme editor). */
  external?: boolean;
}

export interface ChecklistItem {
  id: ChecklistId;
  title: string;
  done: boolean;
  detail: string;
  action: ChecklistAction | null;
}

export interface OnboardingFacts {
  hasCredentials: boolean;
  connectionState: "connected" | "broken" | "disconnected";
  connectionError: string | null;
  hasTestEventCode: boolean;
  /** ISO time Meta last accepted a test event, or null. */
  connectionVerifiedAt: string | null;
  embed: { state: "on" | "off" | "missing" | "unreadable" | "error"; themeName: string | null; message?: string };
  themeEditorUrl: string;
  webPixelConnected: boolean;
  latestBrowserEvent: { eventName: string; seenAt: string } | null;
  latestSentPurchase: { orderName: string | null; sentAt: string | null } | null;
}

const SETTINGS = "/app/settings";

export function buildChecklist(facts: OnboardingFacts): ChecklistItem[] {
  return [pixelItem(facts), embedItem(facts), webPixelItem(facts), browserEventItem(facts), serverPurchaseItem(facts)];
}

function pixelItem(f: OnboardingFacts): ChecklistItem {
  const title = "Meta pixel connected";
  if (!f.hasCredentials || f.connectionState === "disconnected") {
    return {
      id: "pixel",
      title,
      done: false,
      detail: "Paste your pixel (dataset) ID and a Conversions API access token from Meta Events Manager.",
      action: { label: "Open settings", url: SETTINGS },
    };
  }
  if (f.connectionState === "broken") {
    return {
      id: "pixel",
      title,
      done: false,
      detail: `Meta refused your connection${f.connectionError ? `: "${f.connectionError}"` : ""}. Paste a new access token in Settings; events wait until then and nothing is lost.`,
      action: { label: "Reconnect", url: SETTINGS },
    };
  }
  if (f.connectionVerifiedAt) {
    return {
      id: "pixel",
      title,
      done: true,
      detail: `Meta accepted a test event on ${formatDateTime(f.connectionVerifiedAt)}.`,
      action: null,
    };
  }
  if (f.latestSentPurchase) {
    return { id: "pixel", title, done: true, detail: "Meta is accepting your purchases.", action: null };
  }
  return {
    id: "pixel",
    title,
    done: false,
    detail: f.hasTestEventCode
      ? "Saved, but not proven yet. Send a test event from Settings to check the token with Meta."
      : "Saved, but not proven yet. Add the test event code from Events Manager → Test Events in Settings, then send a test event.",
    action: { label: "Send a test event", url: SETTINGS },
  };
}

function embedItem(f: OnboardingFacts): ChecklistItem {
  const title = "App embed switched on in your live theme";
  const open = { label: "Open the theme editor", url: f.themeEditorUrl, external: true };
  const theme = f.embed.themeName ? ` ("${f.embed.themeName}")` : "";
  switch (f.embed.state) {
    case "on":
      return { id: "embed", title, done: true, detail: `The Meta Pixel embed is on in your live theme${theme}.`, action: null };
    case "off":
      return {
        id: "embed",
        title,
        done: false,
        detail: `The Meta Pixel embed is switched off in your live theme${theme}. In the theme editor, turn on "Meta Pixel" under App embeds and save.`,
        action: open,
      };
    case "error":
      return {
        id: "embed",
        title,
        done: false,
        detail: `${f.embed.message ?? "We could not check your theme."} You can also check it yourself in the theme editor.`,
        action: open,
      };
    default:
      return {
        id: "embed",
        title,
        done: false,
        detail: `Your live theme${theme} does not load the Meta Pixel embed yet. In the theme editor, turn on "Meta Pixel" under App embeds and save.`,
        action: open,
      };
  }
}

function webPixelItem(f: OnboardingFacts): ChecklistItem {
  const title = "Checkout tracking (web pixel) connected";
  if (f.webPixelConnected) {
    return { id: "webPixel", title, done: true, detail: "Checkout and purchase events are tracked by our web pixel.", action: null };
  }
  return {
    id: "webPixel",
    title,
    done: false,
    detail: f.hasCredentials
      ? "Our web pixel is not installed yet. Save your settings again to install it; if that fails, the message on the settings page says why."
      : "It is installed when you save your settings for the first time.",
    action: { label: "Open settings", url: SETTINGS },
  };
}

function browserEventItem(f: OnboardingFacts): ChecklistItem {
  const title = "First event seen from a shopper's browser";
  if (f.latestBrowserEvent) {
    return {
      id: "browserEvent",
      title,
      done: true,
      detail: `Latest: ${f.latestBrowserEvent.eventName} on ${formatDateTime(f.latestBrowserEvent.seenAt)}.`,
      action: null,
    };
  }
  return {
    id: "browserEvent",
    title,
    done: false,
    detail: "Open your online store in a browser, accept cookies if asked, and view a product. The event shows up here within a minute.",
    action: null,
  };
}

function serverPurchaseItem(f: OnboardingFacts): ChecklistItem {
  const title = "First purchase sent to Meta from our server";
  if (f.latestSentPurchase) {
    const name = f.latestSentPurchase.orderName ? `Order ${f.latestSentPurchase.orderName}` : "A purchase";
    return {
      id: "serverPurchase",
      title,
      done: true,
      detail: `${name} was accepted by Meta${f.latestSentPurchase.sentAt ? ` on ${formatDateTime(f.latestSentPurchase.sentAt)}` : ""}.`,
      action: { label: "See deliveries", url: "/app/deliveries" },
    };
  }
  return {
    id: "serverPurchase",
    title,
    done: false,
    detail:
      "Place a real order and refund it afterwards: orders placed in Shopify's test mode are recorded but never sent to Meta. It appears under Deliveries within a minute.",
    action: { label: "See deliveries", url: "/app/deliveries" },
  };
}
