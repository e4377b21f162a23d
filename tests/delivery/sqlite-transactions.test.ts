// One SQLite connection per process is shared by every request: a write from one request must never run
// inside another's open transaction, or a rollback there silently undoes a write its caller was told
// succeeded (a webhook answered 200 whose ledger row then vanishes).
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/use-test-database";

describe("SQLite: statements outside a transaction", () => {
  const database = useTestDatabase("sqlite");
  const db = database.db;

  it("a write made while another request's transaction is open survives that transaction's rollback", async () => {
    let inside!: () => void;
    const transactionOpen = new Promise<void>((resolve) => (inside = resolve));
    const rolledBack = db
      .$transaction(async (tx) => {
        await tx.shopSettings.create({ data: { shop: "rolled-back.myshopify.com" } });
        inside();
        // Give the other request every chance to run while this transaction is open.
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error("roll back");
      })
      .catch((error: Error) => error.message);

    await transactionOpen;
    await db.shopSettings.create({ data: { shop: "kept.myshopify.com" } });

    expect(await rolledBack).toBe("roll back");
    const shops = (await db.shopSettings.findMany({ select: { shop: true } })).map((s) => s.shop);
    expect(shops).toEqual(["kept.myshopify.com"]);
  });

  it("statements with no transaction open run at once, in order", async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) => db.shopSettings.create({ data: { shop: `s${i}.myshopify.com` }, select: { shop: true } })),
    );
    expect(created).toHaveLength(50);
    expect(await db.shopSettings.count({ where: { shop: { startsWith: "s" } } })).toBe(50);
  });
});
