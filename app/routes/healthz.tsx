import { json } from "@remix-run/node";
import { getDb } from "~/db.server";
import { checkDatabase } from "~/services/health.server";

const noStore = { "Cache-Control": "no-store" };

export const loader = async () => {
  let healthy = false;
  try {
    healthy = await checkDatabase(getDb());
  } catch {
    // Opening the client can itself fail (unreadable SQLite path); that is "unavailable" too.
  }
  // No error details: this endpoint is public.
  return healthy ? json({ status: "ok" }, { headers: noStore }) : json({ status: "unavailable" }, { status: 503, headers: noStore });
};
