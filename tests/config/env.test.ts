import { describe, expect, it } from "vitest";
import { decodeKey, EnvError, parseEnvironment, resolvedOrderRowThreads } from "~/env.server";
import { openToken, sealToken, TokenDecryptError, tokenHint } from "~/lib/token-crypto.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example.com",
  SCOPES: "read_orders, write_pixels",
  TOKEN_ENCRYPTION_KEY: "ab".repeat(32),
};

describe("environment", () => {
  it("applies the documented defaults", () => {
    const env = parseEnvironment(valid);
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: "file:./prisma/dev.sqlite",
      META_GRAPH_API_URL: "https://graph.facebook.com",
      META_GRAPH_API_VERSION: "v25.0",
      DELIVERY_BATCH_SIZE: 1000,
      WORKER_MODE: "in-process",
      SCOPES: ["read_orders", "write_pixels"],
      // `npm start` sets no NODE_ENV: production unless development is asked for.
      NODE_ENV: "production",
      MAX_BODY_BYTES_IN_FLIGHT: 64 * 1024 * 1024,
    });
  });

  it.each([
    [{ SHOPIFY_API_SECRET: undefined }, "SHOPIFY_API_SECRET"],
    [{ TOKEN_ENCRYPTION_KEY: "too-short" }, "TOKEN_ENCRYPTION_KEY"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ META_GRAPH_API_VERSION: "25" }, "META_GRAPH_API_VERSION"],
    [{ DELIVERY_RETRY_BASE_MS: "soon" }, "DELIVERY_RETRY_BASE_MS"],
    [{ DELIVERY_BATCH_SIZE: "5000" }, "DELIVERY_BATCH_SIZE"],
    [{ SHOPIFY_APP_URL: "not a url" }, "SHOPIFY_APP_URL"],
    [{ MAX_BODY_BYTES_IN_FLIGHT: "1000" }, "MAX_BODY_BYTES_IN_FLIGHT"],
  ])("names the variable that is missing or malformed: %j", (change, name) => {
    const error = (() => {
      try {
        parseEnvironment({ ...valid, ...change });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).message).toContain(name);
  });

  it("refuses the example's all-zero encryption key in production", () => {
    expect(() => parseEnvironment({ ...valid, NODE_ENV: "production", TOKEN_ENCRYPTION_KEY: "0".repeat(64) })).toThrow(
      /TOKEN_ENCRYPTION_KEY/,
    );
    expect(() => parseEnvironment({ ...valid, NODE_ENV: "development", TOKEN_ENCRYPTION_KEY: "0".repeat(64) })).not.toThrow();
    // With NODE_ENV unset, as `npm start` runs, the zero key is refused too, with the way out in the message.
    expect(() => parseEnvironment({ ...valid, TOKEN_ENCRYPTION_KEY: "0".repeat(64) })).toThrow(/all-zero key.*openssl rand -hex 32/);
  });

  it("keeps deliveries 90 days unless DELIVERY_RETENTION_DAYS says otherwise, within 7 to 3650", () => {
    expect(parseEnvironment(valid).DELIVERY_RETENTION_DAYS).toBe(90);
    expect(parseEnvironment({ ...valid, DELIVERY_RETENTION_DAYS: "30" }).DELIVERY_RETENTION_DAYS).toBe(30);
    // Under 7 days the purge could delete events Meta would still accept.
    for (const bad of ["0", "6", "3651", "7.5", "forever"]) {
      expect(() => parseEnvironment({ ...valid, DELIVERY_RETENTION_DAYS: bad })).toThrow(/DELIVERY_RETENTION_DAYS/);
    }
  });

  it("builds orders/paid rows on one thread with one HTTP process, none with several, unless ORDER_ROW_THREADS says", () => {
    expect(resolvedOrderRowThreads(parseEnvironment(valid))).toBe(1);
    expect(resolvedOrderRowThreads(parseEnvironment({ ...valid, WEB_CONCURRENCY: "2" }))).toBe(0);
    expect(resolvedOrderRowThreads(parseEnvironment({ ...valid, WEB_CONCURRENCY: "2", ORDER_ROW_THREADS: "1" }))).toBe(1);
    expect(resolvedOrderRowThreads(parseEnvironment({ ...valid, ORDER_ROW_THREADS: "0" }))).toBe(0);
    for (const bad of ["-1", "17", "1.5", "many"]) {
      expect(() => parseEnvironment({ ...valid, ORDER_ROW_THREADS: bad })).toThrow(/ORDER_ROW_THREADS/);
    }
  });

  it("runs delivery at nice 10 unless DELIVERY_NICE says otherwise, within Linux's 0 to 19", () => {
    expect(parseEnvironment(valid).DELIVERY_NICE).toBe(10);
    expect(parseEnvironment({ ...valid, DELIVERY_NICE: "0" }).DELIVERY_NICE).toBe(0);
    expect(parseEnvironment({ ...valid, DELIVERY_NICE: "19" }).DELIVERY_NICE).toBe(19);
    // Below 0 would ask for more priority than the HTTP threads, which an unprivileged process cannot have.
    for (const bad of ["-1", "20", "2.5", "low"]) {
      expect(() => parseEnvironment({ ...valid, DELIVERY_NICE: bad })).toThrow(/DELIVERY_NICE/);
    }
  });

  it("holds the embedded worker off for at most 30 s per busy spell unless DELIVERY_DEFER_MS says otherwise (0: never)", () => {
    expect(parseEnvironment(valid).DELIVERY_DEFER_MS).toBe(30_000);
    expect(parseEnvironment({ ...valid, DELIVERY_DEFER_MS: "0" }).DELIVERY_DEFER_MS).toBe(0);
    expect(parseEnvironment({ ...valid, DELIVERY_DEFER_MS: "600000" }).DELIVERY_DEFER_MS).toBe(600_000);
    // Longer than ten minutes would let a busy store's events wait longer than anyone would guess from a setting.
    for (const bad of ["-1", "600001", "1.5", "soon"]) {
      expect(() => parseEnvironment({ ...valid, DELIVERY_DEFER_MS: bad })).toThrow(/DELIVERY_DEFER_MS/);
    }
  });

  it("limits the app proxy per shop and per shopper IP, and keeps storefront events 7 days, unless told otherwise", () => {
    expect(parseEnvironment(valid)).toMatchObject({
      PROXY_SHOP_RATE: 500,
      PROXY_SHOP_BURST: 1000,
      PROXY_IP_RATE: 5,
      PROXY_IP_BURST: 30,
      STOREFRONT_EVENT_RETENTION_DAYS: 7,
    });
    expect(parseEnvironment({ ...valid, PROXY_IP_RATE: "50" }).PROXY_IP_RATE).toBe(50);
    for (const bad of ["0", "-1", "1.5", "lots"]) {
      expect(() => parseEnvironment({ ...valid, PROXY_SHOP_RATE: bad })).toThrow(/PROXY_SHOP_RATE/);
    }
    expect(() => parseEnvironment({ ...valid, STOREFRONT_EVENT_RETENTION_DAYS: "91" })).toThrow(/STOREFRONT_EVENT_RETENTION_DAYS/);
  });

  it("accepts the key as hex or base64", () => {
    expect(decodeKey("ab".repeat(32))).toHaveLength(32);
    expect(decodeKey(Buffer.alloc(32, 7).toString("base64"))).toHaveLength(32);
    expect(decodeKey(Buffer.alloc(16, 7).toString("base64"))).toBeNull();
  });
});

describe("access token sealing", () => {
  const key = Buffer.alloc(32, 1);
  const token = "EAAB" + "t".repeat(100);

  it("round-trips, never contains the plaintext, and differs on every seal", () => {
    const a = sealToken(token, key);
    const b = sealToken(token, key);
    expect(a).not.toContain(token);
    expect(a).not.toBe(b);
    expect(openToken(a, key)).toBe(token);
    expect(tokenHint(token)).toBe("tttt");
  });

  it("fails closed, without echoing anything, on a wrong key or a tampered value", () => {
    const sealed = sealToken(token, key);
    expect(() => openToken(sealed, Buffer.alloc(32, 2))).toThrow(TokenDecryptError);
    const parts = sealed.split(":");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => openToken(parts.join(":"), key)).toThrow(TokenDecryptError);
    expect(() => openToken("garbage", key)).toThrow(/could not be decrypted/);
  });
});
