/**
 * The cases of `npm run bench:stall` (bench/stall.ts): what Mallory, a read-only contact, sends,
 * what the scripted model answers her turns, and the text that tells her turn is over. Shared by
 * the three child processes (simulator, model, gateway), each of which builds only its own part.
 */
import {
  DOTS_NAME,
  pngClaiming,
  REDOS_PATTERN,
  redosFile,
  SPACES_TEXT,
  silkBomb,
  silkTone,
} from "../test/security/stall-kit.js";

/** One model step: a text answer, a tool call, or `bytes` of filler text (pre-built by the model child). */
export type ModelStep =
  | { text: string }
  | { tool: string; args: Record<string, unknown> }
  | { fillerBytes: number };

/** The gateway's configuration a case needs (one gateway child per profile). */
export type Profile = "default" | "transcription" | "small-limit";

export interface StallCase {
  name: string;
  /** What the table calls it. */
  label: string;
  profile: Profile;
  /** Mallory's turns are the ones whose user message contains this. */
  marker?: string;
  steps?: ModelStep[];
  /** Mallory's turn is over when she has been sent every one of these. */
  done: string[];
  /** A figure of the peak-RSS summary. */
  rss?: boolean;
}

const word = (n: number) => "word ".repeat(Math.ceil(n / 5)).slice(0, n);

export const STALL_CASES: readonly StallCase[] = [
  { name: "control", label: "control: a short text", profile: "default", done: ["re: what's up?"] },
  {
    name: "redos",
    label: "search ^(a+)+$ over an uploaded 1 MB aaaa…! file",
    profile: "default",
    marker: "grep this",
    steps: [{ tool: "search", args: { pattern: REDOS_PATTERN, regex: true } }, { text: "search finished" }],
    done: ["search finished"],
  },
  {
    name: "silk-bomb",
    label: "1 MiB SILK bomb (175 min of empty frames), no transcription",
    profile: "default",
    done: ["longer than 1 min"],
    rss: true,
  },
  {
    name: "silk-bomb-stt",
    label: "1 MiB SILK bomb, transcription configured",
    profile: "transcription",
    done: ["longer than 1 min"],
    rss: true,
  },
  {
    name: "voice-60s",
    label: "a real 60 s voice note, transcribed",
    profile: "transcription",
    marker: "transcript: hello",
    steps: [{ text: "heard you" }],
    done: ["heard you"],
    rss: true,
  },
  {
    name: "png",
    label: "PNG claiming 100 000 × 100 000",
    profile: "default",
    marker: "megapixel limit",
    steps: [{ text: "I see the note" }],
    done: ["I see the note"],
  },
  {
    name: "spaces",
    label: "300 000 spaces (and the model's reply of 400 000)",
    profile: "default",
    marker: "hi   ",
    steps: [{ text: `see${" ".repeat(200_000)}<<FILE:nothing-here.txt>>\nbye${" ".repeat(200_000)}x` }],
    done: ["(reply cut at"],
  },
  {
    // The same 300 000 spaces from the contact, answered as a model would: what the contact's
    // input costs on its own (the case above adds a hostile model's reply of 400 000).
    name: "spaces-brief",
    label: "300 000 spaces, the model answering briefly",
    profile: "default",
    marker: "plain   ",
    steps: [{ text: "noted" }],
    done: ["noted"],
  },
  {
    name: "dots",
    label: "file name of 300 000 dots and blanks",
    profile: "default",
    marker: "file saved in the workspace",
    steps: [{ text: "got your file" }],
    done: ["got your file"],
  },
  {
    name: "over-limit",
    label: "1 MB file over media.limits.maxInboundBytes (256 KB)",
    profile: "small-limit",
    marker: "keep this",
    steps: [{ text: "kept nothing" }],
    done: ["is larger than 256 KB", "kept nothing"],
  },
  {
    name: "answer-1mb",
    label: "model answers ~1 MB of text (over builtin.maxResponseBytes, 512 KiB: refused)",
    profile: "default",
    marker: "talk a lot",
    steps: [{ fillerBytes: 1_000_000 }],
    done: ["Sorry, the agent failed."],
  },
  {
    name: "tool-args",
    label: "model calls a tool with ~960 KB of arguments (over the cap: refused)",
    profile: "default",
    marker: "read a lot",
    steps: [{ tool: "read", args: { path: "x/".repeat(480_000) } }, { text: "read done" }],
    done: ["Sorry, the agent failed."],
  },
  {
    name: "answer-480k",
    label: "model answers 480 KB of text (just under builtin.maxResponseBytes)",
    profile: "default",
    marker: "talk some",
    steps: [{ fillerBytes: 480_000 }],
    done: ["(reply cut at"],
  },
  {
    name: "tool-args-480k",
    label: "model calls a tool with 480 KB of arguments (just under the cap)",
    profile: "default",
    marker: "read some",
    steps: [{ tool: "read", args: { path: "x/".repeat(240_000) } }, { text: "read done" }],
    done: ["read done"],
  },
  {
    name: "answer-4mb",
    label: "model answers 4 MB (refused on Content-Length)",
    profile: "default",
    marker: "talk too much",
    steps: [{ fillerBytes: 4_000_000 }],
    done: ["Sorry, the agent failed."],
  },
];

/** The filler text of a `fillerBytes` step. */
export function filler(bytes: number): string {
  return `**${word(bytes - 4)}**`;
}

const b64 = (b: Buffer) => b.toString("base64");

/** Mallory's message of a case, as the simulator's inbound input (without account and sender). */
export async function malloryMessage(name: string): Promise<Record<string, unknown>> {
  switch (name) {
    case "control":
      return { text: "what's up?" };
    case "redos":
      return { text: "grep this", file: { name: "a.txt", base64: b64(redosFile()) } };
    case "silk-bomb":
    case "silk-bomb-stt":
      return { voice: { name: "v.silk", base64: b64(silkBomb()) } };
    case "voice-60s":
      return { voice: { name: "v.silk", base64: b64(await silkTone(60)) } };
    case "png":
      return { image: { name: "p.png", base64: b64(pngClaiming()) } };
    case "spaces":
      return { text: SPACES_TEXT };
    case "spaces-brief":
      return { text: `plain${" ".repeat(300_000)}x` };
    case "dots":
      return { file: { name: DOTS_NAME, base64: b64(Buffer.from("tiny")) } };
    case "over-limit":
      return { text: "keep this", file: { name: "a.txt", base64: b64(redosFile()) } };
    case "answer-1mb":
      return { text: "talk a lot" };
    case "tool-args":
      return { text: "read a lot" };
    case "answer-480k":
      return { text: "talk some" };
    case "tool-args-480k":
      return { text: "read some" };
    case "answer-4mb":
      return { text: "talk too much" };
    default:
      throw new Error(`unknown stall case ${name}`);
  }
}

/** The config.json keys of a gateway profile (the transcriber's URL is filled in by the parent). */
export function profileConfig(profile: Profile): Record<string, unknown> {
  // Delivery spacing 0, as in `npm run bench`: bubbles of long replies follow each other at once.
  // The rate limits (10 messages a minute from a contact by default) are a defence of their own;
  // lifted here, so that a round can follow a round and the event loop is what is measured.
  const unlimited = { count: 100_000, windowMs: 60_000 };
  const base = {
    gateway: { spacingMs: 0 },
    defaults: { rateLimit: { perContact: unlimited, perAccount: unlimited } },
  };
  if (profile === "small-limit") return { ...base, media: { limits: { maxInboundBytes: 256 * 1024 } } };
  return base;
}
