// JSON logs with secrets redacted by key, as a second line of defence: no code path should put an
// access token or the app secret in a log record in the first place.
import pino from "pino";
import { env } from "~/env.server";

const options: pino.LoggerOptions = {
  base: undefined,
  redact: {
    paths: ["accessToken", "access_token", "token", "*.accessToken", "*.access_token", "*.token", "headers.authorization"],
    censor: "[redacted]",
  },
};

// The level comes from the validated environment, which includes `.env`; that file is read by bootEnv(),
// after this module is imported, so the logger is made on first use rather than when the module loads.
// Until the environment validates (a unit test that sets none), a fallback logger is used and the real
// one is tried again on the next use.
let instance: pino.Logger | undefined;
let fallback: pino.Logger | undefined;

function current(): pino.Logger {
  if (instance) return instance;
  let level: string;
  try {
    level = env().LOG_LEVEL;
  } catch {
    // Test runs without an app environment stay quiet.
    return (fallback ??= pino({ ...options, level: process.env.NODE_ENV === "test" ? "silent" : "info" }));
  }
  instance = pino({ ...options, level });
  return instance;
}

// Every operation goes to the current logger, so `logger.info(...)`, `logger.child(...)` and a test's
// `vi.spyOn(logger, ...)` behave as on a plain pino instance.
export const logger: pino.Logger = new Proxy({} as pino.Logger, {
  get: (_target, property) => {
    const target = current();
    const value = Reflect.get(target, property, target);
    return typeof value === "function" ? value.bind(target) : value;
  },
  set: (_target, property, value) => Reflect.set(current(), property, value),
  has: (_target, property) => Reflect.has(current(), property),
  defineProperty: (_target, property, descriptor) => Reflect.defineProperty(current(), property, descriptor),
  deleteProperty: (_target, property) => Reflect.deleteProperty(current(), property),
  getOwnPropertyDescriptor: (_target, property) => Reflect.getOwnPropertyDescriptor(current(), property),
  ownKeys: () => Reflect.ownKeys(current()),
  getPrototypeOf: () => Reflect.getPrototypeOf(current()),
});

/** For tests that change the environment between cases: the next log line re-reads the level. */
export function resetLogger(): void {
  instance = undefined;
}

export type Logger = pino.Logger;
