/**
 * `wxagent/simulator/testing`: test a bot offline. `startTestSimulator()` starts a simulator
 * (in-process by default, on a loopback port with `listen: true`), makes one bound bot account,
 * and answers a harness: the options to give the SDK's `Bot` (`new Bot(sim.bot)`), a user who
 * writes to it, what the bot sent back, faults to inject, and `close()`. Everything goes through
 * the control API (`SimControlClient`, also exported for a simulator running elsewhere); waiting
 * listens to the simulator's events, no timer polls.
 */
import { createSimulator, type SimFetch, type Simulator } from "./app.js";
import { type CallOptions, SimControlClient } from "./control-client.js";
import type {
  SimBotAccount,
  SimConfigPatch,
  SimFaultAdded,
  SimFaultInput,
  SimMessageInfo,
  SimMessageInput,
  SimMessageSent,
  SimRedelivered,
  SimRedeliverInput,
} from "./control-types.js";
import { startSimulator } from "./server.js";
import { waitForState } from "./wait.js";

export { type CallOptions, SimControlClient, type SimControlClientOptions } from "./control-client.js";
export type * from "./control-types.js";
export { isSimTestError, SimTestError, type SimTestErrorCode } from "./test-error.js";

export interface TestSimulatorOptions {
  /** the live server's quirks (send quota, `-2` under bursts, redelivery …); default false */
  realism?: boolean;
  /** default 1: ids and tokens repeat run after run */
  seed?: number;
  /** serve on 127.0.0.1 at a free port (for a bot given only a URL); default false: in-process */
  listen?: boolean;
  /** `longpolling_timeout_ms` the simulator hands out; default 35 000 */
  longPollTimeoutMs?: number;
  /** name of the bot account made at start */
  name?: string;
}

/** What `new Bot(...)` or `new ILinkClient(...)` of `wxagent/ilink` need to talk to this simulator. */
export interface TestBotOptions {
  token: string;
  baseUrl: string;
  cdnBaseUrl: string;
  fetch: SimFetch;
}

/** What a user sends: text, or the body of `POST /sim/messages` less `account_id` and `from`. */
export type UserMessage = string | Omit<SimMessageInput, "account_id" | "from">;

export interface WaitForReplyOptions extends CallOptions {
  /** default 10 000 */
  timeoutMs?: number;
}

export interface TestSimulator {
  /** the simulator's origin: `http://simulator.local` in-process, `http://127.0.0.1:<port>` listening */
  baseUrl: string;
  /** in-process: the simulator's own fetch (any host); listening: the global fetch */
  fetch: SimFetch;
  /** the bot account made at start */
  account: SimBotAccount;
  /** `new Bot({ ...sim.bot })` talks to this simulator */
  bot: TestBotOptions;
  /** the whole control API */
  control: SimControlClient;
  /** the simulator itself (its state, for what the control API does not show) */
  simulator: Simulator;
  /** `user` (any id, e.g. `alice@im.wechat`) sends the bot a message */
  sendAsUser(user: string, message: UserMessage, o?: CallOptions): Promise<SimMessageSent>;
  /** every message the bot sent to `user`, in order */
  messagesTo(user: string, o?: CallOptions): Promise<SimMessageInfo[]>;
  /**
   * The next message the bot sends `user` that this call has not returned before: the first
   * call returns the bot's first message to `user` (even one sent before the call), the second
   * call the second … Rejects with SIM_WAIT_TIMEOUT after `timeoutMs`.
   */
  waitForReply(user: string, o?: WaitForReplyOptions): Promise<SimMessageInfo>;
  /** The next `count` (default 1) calls of an endpoint fail (answer `status` or `ret`, wait `latency_ms`, or `drop`). */
  injectFault(fault: SimFaultInput, o?: CallOptions): Promise<SimFaultAdded>;
  /** The bot's token goes stale: every call answers `-14` (the SDK's SESSION_EXPIRED). */
  expireToken(o?: CallOptions): Promise<void>;
  /** This bot's latest (or a given) inbound message is delivered again. */
  redeliver(input?: Omit<SimRedeliverInput, "account_id">, o?: CallOptions): Promise<SimRedelivered>;
  clearFaults(o?: CallOptions): Promise<void>;
  setConfig(patch: SimConfigPatch, o?: CallOptions): Promise<void>;
  /** Stops the simulator (held long polls are released); call after `bot.stop()`. */
  close(): Promise<void>;
}

export async function startTestSimulator(options: TestSimulatorOptions = {}): Promise<TestSimulator> {
  const settings = {
    realism: options.realism ?? false,
    seed: options.seed ?? 1,
    longPollTimeoutMs: options.longPollTimeoutMs,
  };
  let simulator: Simulator;
  let baseUrl: string;
  let fetch: SimFetch;
  let stop: () => Promise<void>;
  if (options.listen) {
    const running = await startSimulator({ ...settings, host: "127.0.0.1", port: 0 });
    ({ simulator, url: baseUrl } = running);
    fetch = (input, init) => globalThis.fetch(input, init);
    stop = running.close;
  } else {
    simulator = createSimulator(settings);
    baseUrl = simulator.state.publicBaseUrl;
    fetch = simulator.fetch;
    stop = async () => simulator.close();
  }
  const control = new SimControlClient({ baseUrl, fetch });
  const account = await control.createAccount({ name: options.name ?? "test bot" });
  const returned = new Map<string, number>();
  const messagesTo = (user: string, o?: CallOptions) =>
    control.messages({ account_id: account.account_id, user_id: user, direction: "outbound" }, o);

  return {
    baseUrl,
    fetch,
    account,
    bot: { token: account.token, baseUrl: account.base_url, cdnBaseUrl: account.cdn_base_url, fetch },
    control,
    simulator,
    sendAsUser: (user, message, o) =>
      control.sendMessage(
        typeof message === "string"
          ? { account_id: account.account_id, from: user, text: message }
          : { ...message, account_id: account.account_id, from: user },
        o,
      ),
    messagesTo,
    async waitForReply(user, o = {}) {
      const n = returned.get(user) ?? 0;
      const sent = await waitForState(
        simulator.state,
        `message ${n + 1} to ${user}`,
        () => messagesTo(user, o),
        (messages) => messages.length > n,
        o,
      );
      returned.set(user, n + 1);
      return sent[n] as SimMessageInfo;
    },
    injectFault: (fault, o) => control.addFault(fault, o),
    expireToken: async (o) => void (await control.expireToken(account.account_id, o)),
    redeliver: (input = {}, o) => control.redeliver({ ...input, account_id: account.account_id }, o),
    clearFaults: async (o) => void (await control.clearFaults(o)),
    setConfig: async (patch, o) => void (await control.setConfig(patch, o)),
    close: stop,
  };
}
