import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { DEFAULT_BASE_URL } from "../../ilink/wire.js";
import type { LoginMarks } from "../../ops/login.js";
import { withHome } from "../home.js";
import { intOption, urlOption } from "../options.js";
import { onShutdown } from "../signals.js";

const STATUS_WORDS: Record<string, string> = {
  wait: "waiting for a scan…",
  scaned: "scanned: confirm on the phone",
  scaned_but_redirect: "scanned (switching to the regional host)",
  need_verifycode: "the phone shows a number: type it here",
  verify_code_blocked: "too many wrong numbers: a new QR code follows",
  expired: "the QR code expired: a new one follows",
  confirmed: "confirmed",
  binded_redirect: "this bot is already bound here",
};

interface LoginOptions {
  baseUrl: string;
  cdnBaseUrl?: string;
  timeoutMs: number;
}

export function defineLogin(cmd: Command): void {
  cmd
    .option(
      "--base-url <url>",
      "QR/API host (a simulator URL, for example)",
      urlOption("--base-url"),
      DEFAULT_BASE_URL,
    )
    .option(
      "--cdn-base-url <url>",
      "CDN base URL (default: the one that goes with --base-url)",
      urlOption("--cdn-base-url"),
    )
    .option("--timeout-ms <ms>", "give up after this long", intOption("--timeout-ms", 1000), 480_000)
    .action(runLogin);
}

async function runLogin(opts: LoginOptions): Promise<void> {
  // Loaded here, so `wxagent login --help` loads neither the SDK nor the QR code renderer.
  const [
    { default: QRCode },
    { loginWithQr },
    { cdnFor, loginMarks, saveLogin },
    { probeSimulator },
    { createLogger },
  ] = await Promise.all([
    import("qrcode"),
    import("../../ilink/qr-login.js"),
    import("../../ops/login.js"),
    import("../../ops/simulator.js"),
    import("../../util/logger.js"),
  ]);
  const abort = new AbortController();
  onShutdown(async () => abort.abort(new Error("login cancelled")));
  await withHome(async ({ store, paths }) => {
    const localTokens = (await store.accounts.list())
      .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
      .map((a) => a.token)
      .filter(Boolean);
    const pngPath = join(paths.home, "login-qr.png");
    // A simulator's QR code is a link to its chat page, which plays the phone.
    const simulator = (await probeSimulator(opts.baseUrl, { signal: abort.signal })).kind === "simulator";
    let lastStatus = "";
    const result = await loginWithQr({
      baseUrl: opts.baseUrl,
      localTokens,
      timeoutMs: opts.timeoutMs,
      signal: abort.signal,
      logger: createLogger("ilink:qr-login"),
      onQr: (qr) => {
        if (simulator) {
          process.stdout.write(
            `\n${opts.baseUrl} is a simulator: its chat page plays the phone. Open\n  ${qr.url}\nin a browser, then scan and confirm there.\n`,
          );
          return;
        }
        showQr(QRCode, qr.url, pngPath);
      },
      onStatus: (status) => {
        if (status === lastStatus) return;
        lastStatus = status;
        process.stdout.write(`  ${STATUS_WORDS[status] ?? status}\n`);
      },
      askVerifyCode,
    });
    if (result.alreadyBound) {
      process.stdout.write("This bot is already bound to this wxagent; nothing to change.\n");
      return;
    }
    const marks = await loginMarks(result, { signal: abort.signal });
    const replaced = await saveLogin(store, result, opts.cdnBaseUrl ?? cdnFor(result.baseUrl), marks);
    reportLogin(result, marks, replaced);
  });
}

/** The QR code on the terminal, with the link and a PNG beside it for terminals that garble it. */
function showQr(QRCode: typeof import("qrcode"), url: string, pngPath: string): void {
  void QRCode.toString(url, { type: "terminal", small: true }).then((art) => {
    process.stdout.write(
      `\nScan with WeChat (Me → Settings → … ClawBot), then confirm on the phone:\n${art}`,
    );
    process.stdout.write(`If the code above looks garbled, open ${url}\nor the image ${pngPath}\n`);
  });
  void QRCode.toBuffer(url, { type: "png", width: 360 }).then((png) =>
    writeFileSync(pngPath, png, { mode: 0o600 }),
  );
}

/** The number the phone shows, typed on a terminal (none without one). */
async function askVerifyCode(attempt: number): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const prompt = attempt > 1 ? "Wrong number, type it again: " : "Number shown on the phone: ";
    return (await rl.question(prompt)).trim() || undefined;
  } finally {
    rl.close();
  }
}

function reportLogin(
  result: { accountId: string; userId: string | undefined },
  marks: LoginMarks,
  replaced: string[],
): void {
  process.stdout.write(
    `Logged in: account ${result.accountId}${result.userId ? ` (owner ${result.userId})` : ""}${marks.simulated ? " on the simulator" : ""}\n`,
  );
  for (const id of replaced)
    process.stdout.write(
      `  account ${id} was an older login of the same WeChat user: remove it with \`wxagent accounts remove ${id}\`\n`,
    );
  process.stdout.write("Next: `wxagent start` (a running gateway picks the account up by itself).\n");
}
