// The fault suite's process vocabulary. The npm scripts run `node --import tsx <entry>`, so the spawned
// process is the app itself (no tsx launcher in front that would SIGKILL a draining server, or survive
// a SIGKILL as an orphan): startApp already starts it that way, and its stop("SIGKILL") also ends
// anything the app spawned.
import { startApp, type AppProcess } from "./app-process";

export const startDirectProcess = startApp;

export async function killHard(app: AppProcess): Promise<void> {
  await app.stop("SIGKILL");
}
