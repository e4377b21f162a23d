// Is our theme app embed switched on in the live theme? Shopify records app embeds in the theme's
// config/settings_data.json under `current.blocks`, as {type: "shopify://apps/<app>/blocks/<handle>/<uuid>",
// disabled: bool}. Pure: the Admin API call lives in services/theme-embed.server.ts.
import { parseJsonOr } from "~/lib/result";

export const APP_EMBED_HANDLE = "meta-pixel";

export type AppEmbedState = "on" | "off" | "missing" | "unreadable";

/** The theme editor opened on the App embeds panel with our embed selected, ready to switch on. */
export function themeEditorUrl(shop: string, apiKey: string): string {
  // The slash stays literal, as in Shopify's documented link; the key is a hex client ID.
  return `https://${shop}/admin/themes/current/editor?context=apps&template=index&activateAppId=${encodeURIComponent(apiKey)}/${APP_EMBED_HANDLE}`;
}

/**
 * settings_data.json is JSON with comments: Shopify prepends a block comment to every saved copy.
 * Strips comments outside strings, then parses; null when the result is still not JSON.
 */
export function parseThemeJson(text: string): unknown {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (ch === '"') {
        inString = false;
      }
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (ch === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i + 2);
      i = end === -1 ? text.length : end - 1;
    } else {
      out += ch;
    }
  }
  return parseJsonOr(out, null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function appEmbedState(settingsDataText: string, handle = APP_EMBED_HANDLE): AppEmbedState {
  const data = parseThemeJson(settingsDataText);
  if (!isRecord(data)) return "unreadable";
  // Older themes keep `current` as the name of a preset rather than the settings themselves.
  let current = data.current;
  if (typeof current === "string" && isRecord(data.presets)) current = data.presets[current];
  if (!isRecord(current)) return "missing";
  const blocks = current.blocks;
  if (!isRecord(blocks)) return "missing";

  let found = false;
  for (const block of Object.values(blocks)) {
    if (!isRecord(block) || typeof block.type !== "string") continue;
    if (!block.type.includes(`/blocks/${handle}/`)) continue;
    found = true;
    if (block.disabled !== true) return "on";
  }
  return found ? "off" : "missing";
}
