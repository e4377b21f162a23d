// Where shops:connect gets the Meta access token. Never from the command line: npm echoes the whole command,
// and argv sits in `ps` and in shell history. From META_ACCESS_TOKEN, else one line of standard input (typed
// at a prompt that does not echo it when stdin is a terminal).

const MAX_LINE = 4096;

export async function readAccessToken(opts: {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  prompt: (text: string) => void;
}): Promise<string | null> {
  const fromEnv = opts.env.META_ACCESS_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (opts.stdin.isTTY) return readHidden(opts.stdin, opts.prompt);
  return readLine(opts.stdin);
}

/** The first line of a pipe or file; null when it is empty. */
function readLine(stdin: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let text = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.off("end", finish);
      stdin.off("error", onError);
      stdin.pause();
      const line = text.split(/\r?\n/, 1)[0];
      resolve(line === "" ? null : line);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes("\n") || text.length > MAX_LINE) finish();
    };
    const onError = (error: Error) => reject(error);
    stdin.on("data", onData);
    stdin.once("end", finish);
    stdin.once("error", onError);
    stdin.resume();
  });
}

/** A line typed at the terminal, without echo: raw mode, so each key arrives here instead of on the screen. */
function readHidden(stdin: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string | null> {
  // Raw mode before the prompt: a token typed (or pasted) the moment the prompt appears must not be echoed.
  stdin.setRawMode(true);
  prompt("Meta Conversions API access token (input hidden): ");
  return new Promise((resolve) => {
    let value = "";
    const done = (result: string | null) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt("\n");
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(value === "" ? null : value);
        if (ch === "\u0003") return done(null); // Ctrl-C: give up, as a cancelled prompt
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " " && value.length < MAX_LINE) value += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}
