import { closeDb, getDb } from "~/db.server";
import { decodeKey, env, EnvError, loadDotEnv } from "~/env.server";
import { runCli } from "./run";

loadDotEnv();
try {
  const config = env();
  const code = await runCli(process.argv.slice(2), {
    db: getDb(),
    encryptionKey: decodeKey(config.TOKEN_ENCRYPTION_KEY)!,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
  await closeDb();
  process.exit(code);
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  // No stack traces for operators; the message is enough and never contains a secret.
  console.error(`Error: ${(error as Error).message}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
}
