// JSON logs with secrets redacted by key, as a second line of defence: no code path should put an
// access token or the app secret in a log record in the first place.
import pino from "pino";

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info");

export const logger = pino({
  level,
  base: undefined,
  redact: {
    paths: ["accessToken", "access_token", "token", "*.accessToken", "*.access_token", "*.token", "headers.authorization"],
    censor: "[redacted]",
  },
});

export type Logger = pino.Logger;
