// The operator CLI. Thin like a route: parse and validate arguments, call one service, print.
import { parseArgs } from "node:util";
import type { Db } from "~/db.server";
import { describeReason } from "~/lib/delivery-reasons";
import { UNMAPPED_RETRY_REASON } from "~/lib/explain-delivery";
import { parseJsonOr } from "~/lib/result";
import { freshnessLabel, qualityRows, weakPoints } from "~/lib/dataset-quality";
import { describeIssues, orderIdSchema, shopDomainSchema } from "~/lib/validation";
import { requeueFailedForOrder } from "~/models/delivery-queue.server";
import { listDeliveries } from "~/models/delivery-reads.server";
import { listDataRequests } from "~/models/privacy.server";
import { getDatasetQuality } from "~/services/dataset-quality.server";
import type { GraphClient } from "~/services/meta/graph-client.server";
import { connectShop } from "~/services/shop-connection.server";
import { resealTokens } from "~/services/token-keys.server";
import { terminalSafe, terminalSafeDeep } from "./terminal-text";

export interface CliContext {
  db: Db;
  encryptionKey: Buffer;
  /** TOKEN_ENCRYPTION_KEY_PREVIOUS, while the key is being rotated. */
  previousEncryptionKey?: Buffer | null;
  out: (line: string) => void;
  err: (line: string) => void;
  now?: () => Date;
  /** The Meta access token for shops:connect: META_ACCESS_TOKEN, else standard input (cli/read-token.ts). */
  readAccessToken?: () => Promise<string | null>;
  /** Meta's Graph API, for quality:show. */
  meta?: Pick<GraphClient, "getDatasetQuality">;
}

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  shops:connect --shop <domain> --pixel-id <id> [--test-event-code <code>]
      the access token is read from META_ACCESS_TOKEN, or else from standard input (one line)
  deliveries:list --shop <domain> [--status pending|sending|sent|failed|skipped] [--limit N] [--json]
  deliveries:retry --shop <domain> --order <id>
  privacy:requests --shop <domain> [--json]
  quality:show --shop <domain> [--json]
      Meta's Dataset Quality figures per event (cached for an hour, as on the admin's home page)
  tokens:reseal`;

class UsageError extends Error {}

function parse(args: string[], options: Record<string, { type: "string" | "boolean" }>) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function requireShop(value: unknown): string {
  if (typeof value !== "string") throw new UsageError("--shop is required");
  const parsed = shopDomainSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, { "": "--shop" }).join("; "));
  return parsed.data;
}

export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "shops:connect": {
        // Checked before parsing, so no parser message can repeat the value that follows the flag.
        if (rest.some((arg) => arg === "--access-token" || arg.startsWith("--access-token="))) {
          throw new UsageError(
            "--access-token is not accepted: on the command line the token shows in npm's echo, `ps` and shell history. " +
              "Set META_ACCESS_TOKEN, or pipe the token on standard input (e.g. `npm run cli -- shops:connect … < token.txt`).",
          );
        }
        const v = parse(rest, {
          shop: { type: "string" },
          "pixel-id": { type: "string" },
          "test-event-code": { type: "string" },
        });
        for (const flag of ["shop", "pixel-id"]) {
          if (typeof v[flag] !== "string") throw new UsageError(`--${flag} is required`);
        }
        const accessToken = (await ctx.readAccessToken?.()) ?? null;
        if (accessToken === null) {
          throw new UsageError("No access token given: set META_ACCESS_TOKEN, or type or pipe the token on standard input.");
        }
        const result = await connectShop(ctx.db, ctx.encryptionKey, {
          shop: v.shop,
          pixelId: v["pixel-id"],
          accessToken,
          testEventCode: v["test-event-code"],
        });
        if (!result.ok) {
          for (const line of result.error) ctx.err(`Error: ${line}`);
          return 1;
        }
        const connection = result.value;
        ctx.out(
          `Connected ${connection.shop} to pixel ${connection.pixelId} (access token ending in ${connection.tokenHint}` +
            `${connection.testEventCode ? `, test event code ${connection.testEventCode}` : ""}).`,
        );
        return 0;
      }
      case "deliveries:list": {
        const v = parse(rest, {
          shop: { type: "string" },
          status: { type: "string" },
          limit: { type: "string" },
          json: { type: "boolean" },
        });
        const shop = requireShop(v.shop);
        const statuses = ["pending", "sending", "sent", "failed", "skipped"] as const;
        const status = v.status as (typeof statuses)[number] | undefined;
        if (status !== undefined && !statuses.includes(status)) {
          throw new UsageError(`--status must be one of ${statuses.join(", ")}`);
        }
        const limit = v.limit === undefined ? 100 : Number(v.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError("--limit must be a whole number from 1 to 10000");
        const rows = await listDeliveries(ctx.db, shop, { status, limit });
        const items = rows.map((r) => ({
          orderId: r.orderId,
          orderName: r.orderName,
          eventName: r.eventName,
          eventId: r.eventId,
          status: r.status,
          attempts: r.attempts,
          lastError: r.lastError ?? (r.status === "skipped" || r.status === "failed" ? describeReason(r) : null),
          createdAt: r.createdAt.toISOString(),
          sentAt: r.sentAt?.toISOString() ?? null,
        }));
        if (v.json) {
          // lastError is Meta's text: JSON escapes C0 controls but not C1 ones, so strings are cleaned here too.
          ctx.out(JSON.stringify(terminalSafeDeep(items), null, 2));
        } else if (items.length === 0) {
          ctx.out(`No deliveries recorded for ${shop}.`);
        } else {
          ctx.out(
            formatTable(
              items.map((i) => [i.orderId ?? "-", i.eventName, i.eventId, i.status, String(i.attempts), i.lastError ?? ""]),
              ["ORDER", "EVENT", "EVENT ID", "STATUS", "ATTEMPTS", "LAST ERROR"],
            ),
          );
        }
        return 0;
      }
      case "deliveries:retry": {
        const v = parse(rest, { shop: { type: "string" }, order: { type: "string" } });
        const shop = requireShop(v.shop);
        if (typeof v.order !== "string") throw new UsageError("--order is required");
        const order = orderIdSchema.safeParse(v.order);
        if (!order.success) throw new UsageError(describeIssues(order.error, { "": "--order" }).join("; "));
        const result = await requeueFailedForOrder(ctx.db, shop, order.data, ctx.now?.() ?? new Date());
        if (result.statuses.length === 0) {
          ctx.err(`Error: no deliveries recorded for order ${order.data} of ${shop}.`);
          return 1;
        }
        if (result.requeued === 0 && result.unmapped > 0) {
          ctx.err(
            `Error: order ${order.data} cannot be retried. ${UNMAPPED_RETRY_REASON} (The reason is in the LAST ERROR column of deliveries:list.)`,
          );
          return 1;
        }
        if (result.requeued === 0) {
          ctx.err(`Error: order ${order.data} has no failed deliveries to retry (status: ${[...new Set(result.statuses)].join(", ")}).`);
          return 1;
        }
        ctx.out(
          `Queued ${result.requeued} failed deliver${result.requeued === 1 ? "y" : "ies"} of order ${order.data} for another attempt.`,
        );
        if (result.unmapped > 0)
          ctx.out(`Not queued: ${result.unmapped} that could not be mapped to a Meta event (there is nothing to send).`);
        return 0;
      }
      case "privacy:requests": {
        const v = parse(rest, { shop: { type: "string" }, json: { type: "boolean" } });
        const shop = requireShop(v.shop);
        const requests = await listDataRequests(ctx.db, { shop });
        if (v.json) {
          // The reports as stored: what the merchant passes on to the customer who asked.
          ctx.out(
            JSON.stringify(
              terminalSafeDeep(
                requests.map((r) => ({
                  requestId: r.requestId,
                  createdAt: r.createdAt.toISOString(),
                  report: parseJsonOr(r.report, null),
                })),
              ),
              null,
              2,
            ),
          );
        } else if (requests.length === 0) {
          ctx.out(`No customer data requests recorded for ${shop}.`);
        } else {
          const rows = requests.map((r) => {
            const report = (parseJsonOr(r.report, null) ?? {}) as { deliveries?: unknown[]; browserEvents?: unknown[] };
            return [
              r.requestId,
              r.createdAt.toISOString(),
              String(report.deliveries?.length ?? 0),
              String(report.browserEvents?.length ?? 0),
            ];
          });
          ctx.out(formatTable(rows, ["REQUEST", "RECEIVED", "DELIVERIES", "BROWSER EVENTS"]));
          ctx.out("Add --json for the full reports.");
        }
        return 0;
      }
      case "quality:show": {
        const v = parse(rest, { shop: { type: "string" }, json: { type: "boolean" } });
        const shop = requireShop(v.shop);
        if (!ctx.meta) throw new Error("quality:show needs the Graph API client");
        const keys = [ctx.encryptionKey, ...(ctx.previousEncryptionKey ? [ctx.previousEncryptionKey] : [])];
        const view = await getDatasetQuality(
          { db: ctx.db, meta: ctx.meta, decryptionKeys: keys, now: ctx.now ?? (() => new Date()) },
          { shop },
        );
        if (view.status === "not-connected") {
          ctx.err(`Error: ${shop} has no pixel ID and access token stored; connect it first (shops:connect).`);
          return 1;
        }
        if (view.status === "forbidden") {
          ctx.err(
            `Error: Meta refused the Dataset Quality report for ${shop}: the access token needs the ads_read permission and ` +
              '"Use events dataset" access to the pixel. Generate a new token in Events Manager and save it in the app\'s Settings.',
          );
          return 1;
        }
        if (view.report === null) {
          ctx.err(
            "Error: Meta's Dataset Quality report is not available right now (no answer, or an answer we could not read). Try again later.",
          );
          return 1;
        }
        if (view.status === "unavailable") ctx.err(`Meta did not answer the last time; these figures are from ${view.fetchedAt}.`);
        if (v.json) {
          ctx.out(JSON.stringify(terminalSafeDeep(qualityRows(view.report)), null, 2));
          return 0;
        }
        const num = (n: number | null, suffix = "") => (n === null ? "-" : `${n}${suffix}`);
        ctx.out(
          formatTable(
            view.report.events.map((e) => [
              e.eventName,
              e.emq === null ? "-" : `${e.emq}/10`,
              num(e.coverage, "%"),
              num(e.dedupRate, "%"),
              freshnessLabel(e.freshness),
              Object.entries(e.matchKeys)
                .map(([key, share]) => `${key} ${num(share, "%")}`)
                .join(", "),
            ]),
            ["EVENT", "EMQ", "COVERAGE", "DEDUP", "FRESHNESS", "MATCH KEYS"],
          ),
        );
        for (const point of weakPoints(view.report)) ctx.out(terminalSafe(`- ${point.eventName}: ${point.explanation} Fix: ${point.fix}`));
        ctx.out(`Fetched from Meta at ${view.fetchedAt}.`);
        return 0;
      }
      case "tokens:reseal": {
        parse(rest, {});
        const report = await resealTokens(ctx.db, { current: ctx.encryptionKey, previous: ctx.previousEncryptionKey ?? null });
        ctx.out(
          `${report.total} stored token${report.total === 1 ? "" : "s"}: ${report.resealed} re-sealed under the current key, ` +
            `${report.current} already under it${report.changedMeanwhile ? `, ${report.changedMeanwhile} replaced by a reconnect meanwhile` : ""}, ` +
            `${report.unreadable.length} unreadable.`,
        );
        if (report.unreadable.length > 0) {
          ctx.err(
            `Error: neither TOKEN_ENCRYPTION_KEY nor TOKEN_ENCRYPTION_KEY_PREVIOUS opens the token of ${report.unreadable.join(", ")}; ` +
              "set the key it was sealed with as TOKEN_ENCRYPTION_KEY_PREVIOUS, or have the shop reconnect.",
          );
          return 1;
        }
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
        ctx.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(`Error: ${terminalSafe(error.message)}`);
      ctx.err(USAGE);
      return 2;
    }
    throw error;
  }
}

// Cells come from the ledger (Meta's messages, IDs from webhooks): cleaned before they are measured and printed.
function formatTable(rows: string[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(terminalSafe))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
