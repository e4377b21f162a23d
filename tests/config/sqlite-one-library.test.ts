// One SQLite library per process. SQLite coordinates the connections one process holds on a file through its
// own table of the POSIX locks it took, and POSIX drops every lock a process holds on a file when any of its
// descriptors for that file closes. Two copies of better-sqlite3 (the app's, and an older one nested under
// Prisma's adapter) are two SQLite libraries that do not know of each other: a connection of one closing
// dropped the other's locks, and a CLI process closing afterwards believed itself the last user of the
// database and deleted its write-ahead log while the server was still writing to it (the demo lost every
// row that way once the delivery worker ran on a thread with its own connection). Keep the versions aligned
// so npm installs one copy.
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/app-process";

it("the app and Prisma's SQLite adapter load the same better-sqlite3", () => {
  const fromApp = createRequire(join(ROOT, "package.json")).resolve("better-sqlite3");
  const adapter = createRequire(join(ROOT, "package.json")).resolve("@prisma/adapter-better-sqlite3");
  const fromAdapter = createRequire(adapter).resolve("better-sqlite3");
  expect(fromAdapter).toBe(fromApp);
});
