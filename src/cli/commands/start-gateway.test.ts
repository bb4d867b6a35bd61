import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../config/index.js";
import { profileResolver } from "../../gateway/policy/profile.js";
import { asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import type { Account, Store } from "../../store/types.js";
import { createRootLogger } from "../../util/logger.js";
import { simulatorAwareProfiles } from "./start-gateway.js";

let store: Store;
const log = createRootLogger(undefined, "silent");

function account(id: string, simulated: boolean): Account {
  const row = {
    id,
    baseUrl: "http://x",
    cdnBaseUrl: "http://x/c2c",
    token: "t",
    state: "active" as const,
    ...(simulated ? { simulated: true } : {}),
  };
  store.accounts.upsert(row);
  return store.accounts.get(id) as Account;
}

beforeEach(() => {
  store = openStore(":memory:");
});
afterEach(() => store.close());

describe("simulatorAwareProfiles", () => {
  it("answers everyone on the simulated accounts it starts with, and keeps real ones as configured", () => {
    const config = configSchema.parse({});
    const profileFor = simulatorAwareProfiles(
      config,
      asyncStore(store),
      [account("sim", true), account("real", false)],
      undefined,
      log,
    );
    expect(profileFor("sim")).toMatchObject({ dmPolicy: "open", groupPolicy: "open" });
    expect(profileFor("real")).toEqual(profileResolver(config)("real"));
    expect(profileFor("real").dmPolicy).not.toBe("open");
  });

  it("an account added later counts as real until its read from the store comes back", async () => {
    const profileFor = simulatorAwareProfiles(configSchema.parse({}), asyncStore(store), [], undefined, log);
    account("late-sim", true);
    expect(profileFor("late-sim").dmPolicy).not.toBe("open");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(profileFor("late-sim").dmPolicy).toBe("open");
  });

  it("a failed read leaves the account real, and is tried again at the next ask", async () => {
    let reads = 0;
    const failing = {
      accounts: {
        ...asyncStore(store).accounts,
        get: async (id: string) => {
          reads += 1;
          if (reads === 1) throw new Error("database is down");
          return store.accounts.get(id);
        },
      },
    };
    account("sim", true);
    const profileFor = simulatorAwareProfiles(configSchema.parse({}), failing, [], undefined, log);
    expect(profileFor("sim").dmPolicy).not.toBe("open");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(profileFor("sim").dmPolicy).not.toBe("open");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(profileFor("sim").dmPolicy).toBe("open");
    expect(reads).toBe(2);
  });
});
