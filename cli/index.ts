import { closeDb, getDb } from "~/db.server";
import { bootEnv, decodeKey } from "~/env.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { readAccessToken } from "./read-token";
import { runCli } from "./run";
import { terminalSafe } from "./terminal-text";

const config = bootEnv();
try {
  const code = await runCli(process.argv.slice(2), {
    db: getDb(),
    encryptionKey: decodeKey(config.TOKEN_ENCRYPTION_KEY)!,
    previousEncryptionKey: config.TOKEN_ENCRYPTION_KEY_PREVIOUS ? decodeKey(config.TOKEN_ENCRYPTION_KEY_PREVIOUS) : null,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    // A secret handed to this one command, not app configuration: so it is read here rather than validated
    // with the app's environment in env.server.ts (which would make every process carry and check it).
    meta: createGraphClient({
      baseUrl: config.META_GRAPH_API_URL,
      apiVersion: config.META_GRAPH_API_VERSION,
      timeoutMs: config.DELIVERY_REQUEST_TIMEOUT_MS,
    }),
    readAccessToken: () => readAccessToken({ env: process.env, stdin: process.stdin, prompt: (text) => process.stderr.write(text) }),
  });
  await closeDb();
  process.exit(code);
} catch (error) {
  // No stack traces for operators; the message is enough and never contains a secret.
  console.error(`Error: ${terminalSafe((error as Error).message)}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
}
