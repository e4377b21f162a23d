// Prisma's better-sqlite3 adapter keeps one connection and locks only transactions against each other: a
// plain statement from another request (a webhook insert) that runs while a transaction is open between
// two of its awaits becomes part of that transaction, and is undone with it if it rolls back, after its
// caller was told it succeeded. Here every statement outside a transaction waits for the open one to end.
// A statement runs synchronously inside the adapter's call (better-sqlite3 is synchronous), so the check
// and the statement happen in one turn of the event loop and nothing can slip in between; with no
// transaction open there is no wait at all. So inside `$transaction(async (tx) => ...)` use only `tx`: a
// query on the outer client would wait for the transaction, which waits for it.
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import type BetterSqlite3 from "better-sqlite3";

/**
 * Runs `use` on the adapter's own better-sqlite3 connection outside any open transaction, under the same
 * rule as every other statement (db.server.ts's rawQuery: the hot inserts skip the Prisma client).
 */
export type SqliteRunner = <T>(use: (client: BetterSqlite3.Database) => T) => Promise<T>;

export function serialisedSqlite(factory: SqlDriverAdapterFactory, onConnect?: (run: SqliteRunner) => void): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => serialise(await factory.connect(), onConnect),
  };
}

function serialise(inner: SqlDriverAdapter, onConnect?: (run: SqliteRunner) => void): SqlDriverAdapter {
  // Resolves when the open transaction ends; null when none is open.
  let open: Promise<void> | null = null;

  async function outside<T>(run: () => Promise<T>): Promise<T> {
    while (open) await open;
    return run();
  }

  // The adapter keeps its connection as `client` (@prisma/adapter-better-sqlite3); without one, the
  // callers keep going through Prisma.
  const client = (inner as unknown as { client?: BetterSqlite3.Database }).client;
  if (onConnect && client && typeof client.prepare === "function") {
    onConnect(async (use) => {
      while (open) await open;
      return use(client);
    });
  }

  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query: SqlQuery) => outside(() => inner.queryRaw(query)),
    executeRaw: (query: SqlQuery) => outside(() => inner.executeRaw(query)),
    executeScript: (script: string) => outside(() => inner.executeScript(script)),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    dispose: () => inner.dispose(),
    startTransaction: async (isolationLevel) => {
      while (open) await open;
      let end!: () => void;
      open = new Promise<void>((resolve) => (end = resolve));
      const finish = () => {
        open = null;
        end();
      };
      let tx: Transaction;
      try {
        tx = await inner.startTransaction(isolationLevel);
      } catch (error) {
        finish();
        throw error;
      }
      return {
        provider: tx.provider,
        adapterName: tx.adapterName,
        options: tx.options,
        queryRaw: (query: SqlQuery) => tx.queryRaw(query),
        executeRaw: (query: SqlQuery) => tx.executeRaw(query),
        commit: () => tx.commit().finally(finish),
        rollback: () => tx.rollback().finally(finish),
      };
    },
  };
}
