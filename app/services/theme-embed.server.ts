// Reads the live theme's settings_data.json through the Admin API to see whether our app embed is on.
import { appEmbedState, type AppEmbedState } from "~/lib/theme-embed";
import type { AdminGraphql } from "~/services/storefront-sync.server";
import type { MetaCapiMainThemeSettingsQuery } from "~/types/admin.generated";

export const MAIN_THEME_SETTINGS_QUERY = `#graphql
  query MetaCapiMainThemeSettings {
    themes(first: 1, roles: [MAIN]) {
      nodes {
        id
        name
        files(filenames: ["config/settings_data.json"], first: 1) {
          nodes {
            filename
            body {
              ... on OnlineStoreThemeFileBodyText { content }
              ... on OnlineStoreThemeFileBodyBase64 { contentBase64 }
            }
          }
        }
      }
    }
  }`;

export type EmbedCheck = { state: AppEmbedState; themeName: string | null } | { state: "error"; themeName: null; message: string };

// admin.graphql throws on GraphQL errors, but a body carrying them is still read as an error, not as "no theme".
type ThemesResponse = { data?: MetaCapiMainThemeSettingsQuery; errors?: unknown };

export async function checkAppEmbed(graphql: AdminGraphql): Promise<EmbedCheck> {
  let json: ThemesResponse;
  try {
    const response = await graphql(MAIN_THEME_SETTINGS_QUERY);
    json = await response.json();
  } catch (error) {
    // A thrown Response is the Shopify library asking for re-authentication: it must reach Remix.
    if (error instanceof Response) throw error;
    return { state: "error", themeName: null, message: describeAdminError(error) };
  }
  if (json.errors) return { state: "error", themeName: null, message: describeAdminError(json.errors) };

  const theme = json.data?.themes?.nodes?.[0];
  if (!theme) return { state: "error", themeName: null, message: "Your store has no published theme." };
  const file = theme.files?.nodes?.find((f) => f.filename === "config/settings_data.json");
  const text = file ? fileText(file.body) : null;
  // A theme that was never customised has no settings_data.json: no embed can be on yet.
  if (text === null) return { state: "missing", themeName: theme.name ?? null };
  return { state: appEmbedState(text), themeName: theme.name ?? null };
}

type ThemeFile = NonNullable<NonNullable<MetaCapiMainThemeSettingsQuery["themes"]>["nodes"][number]["files"]>["nodes"][number];

function fileText(body: ThemeFile["body"] | undefined): string | null {
  if (!body) return null;
  if ("content" in body) return body.content;
  return "contentBase64" in body ? Buffer.from(body.contentBase64, "base64").toString("utf8") : null;
}

// Shopify's client puts the GraphQL errors in the thrown error; only their gist is shown to the merchant.
function describeAdminError(error: unknown): string {
  const text =
    error instanceof Error ? `${error.message} ${JSON.stringify((error as { body?: unknown }).body ?? "")}` : JSON.stringify(error);
  if (/access denied|read_themes|ACCESS_DENIED/i.test(text)) {
    return "The app is not allowed to read your theme yet. Open the app from Shopify admin → Apps to approve its updated permissions.";
  }
  return "Shopify did not answer our question about your theme. Reload the page to try again.";
}
