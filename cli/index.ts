import { closeDb, getDb } from "~/db.server";
import { bootEnv, decodeKey } from "~/env.server";
import { runCli } from "./run";

const config = bootEnv();
try {
  const code = await runCli(process.argv.slice(2), {
    db: getDb(),
    encryptionKey: decodeKey(config.TOKEN_ENCRYPTION_KEY)!,
    previousEncryptionKey: config.TOKEN_ENCRYPTION_KEY_PREVIOUS ? decodeKey(config.TOKEN_ENCRYPTION_KEY_PREVIOUS) : null,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
  await closeDb();
  process.exit(code);
} catch (error) {
  // No stack traces for operators; the message is enough and never contains a secret.
  console.error(`Error: ${(error as Error).message}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
}
