// Demo only: stores the offline session Shopify's OAuth (or token exchange) would have stored when a
// merchant installed the app, so the embedded admin opens on the demo's shop without ever calling Shopify.
// The access token is a placeholder: every Admin API call the demo's admin makes is answered locally
// (dev/fake-shopify/admin-api.ts). Never part of the app: only scripts/lib/demo/admin-server.ts uses it.
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { openDb } from "~/db.server";

export async function seedDemoSession(opts: { databaseUrl: string; shop: string; scopes: string }): Promise<void> {
  if (!opts.databaseUrl.startsWith("file:")) throw new Error("the demo session is only ever seeded into a local SQLite file");
  const db = openDb(opts.databaseUrl);
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const storage = new PrismaSessionStorage(db as any);
    const session = new Session({
      id: `offline_${opts.shop}`,
      shop: opts.shop,
      state: "demo",
      isOnline: false,
      accessToken: "demo-offline-token-answered-locally",
      scope: opts.scopes,
    });
    if (!(await storage.storeSession(session))) throw new Error("could not store the demo session");
  } finally {
    await db.$disconnect();
  }
}
