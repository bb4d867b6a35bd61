/**
 * What the agents themselves (not the model) say in the chat, in English and Chinese: `/unlock`
 * answers, approval questions, refusals and the notes that end a turn early. The language is the
 * contact's (`Contact.language`, set by the gateway from the account), else the system's.
 */
import { defineCatalogue, type Lang, systemLanguage, text, type Words, wordsFor } from "../shared/i18n.js";
import type { Contact } from "./types.js";

export const AGENT_TEXTS = defineCatalogue({
  // --- durations ---
  minutes: text<{ n: number }>({
    en: (p) => (Number(p.n) === 1 ? "1 minute" : `${p.n} minutes`),
    "zh-CN": (p) => `${p.n} 分钟`,
  }),
  seconds: text<{ n: number }>({
    en: (p) => (Number(p.n) === 1 ? "1 second" : `${p.n} seconds`),
    "zh-CN": (p) => `${p.n} 秒`,
  }),

  // --- /unlock and /lock ---
  unlockOwner: { en: "You are the owner: nothing to unlock.", "zh-CN": "你是主人，不需要解锁。" },
  unlockDisabled: { en: "Unlocking is not enabled for this bot.", "zh-CN": "这个机器人没有开启解锁功能。" },
  unlockNoPassphrase: {
    en: "Unlocking is enabled but no passphrase is configured; ask the owner.",
    "zh-CN": "解锁功能已开启，但还没有设置口令，请联系主人。",
  },
  unlockPaused: text<{ wait: string }>({
    en: (p) => `Unlocking is paused after many wrong passphrases; try again in ${p.wait}.`,
    "zh-CN": (p) => `口令错误次数太多，解锁已暂停，请 ${p.wait}后再试。`,
  }),
  unlockLockedOut: text<{ wait: string }>({
    en: (p) => `Too many wrong passphrases; try again in ${p.wait}.`,
    "zh-CN": (p) => `口令输错次数太多，请 ${p.wait}后再试。`,
  }),
  unlockRemaining: text<{ left: string }>({
    en: (p) => `Unlocked for ${p.left} more.`,
    "zh-CN": (p) => `已解锁，还剩 ${p.left}。`,
  }),
  unlockLocked: {
    en: "Locked. Send /unlock <passphrase> to unlock.",
    "zh-CN": "当前未解锁。发送 /unlock <口令> 即可解锁。",
  },
  unlockWrong: { en: "Wrong passphrase.", "zh-CN": "口令不对。" },
  unlockDone: text<{ duration: string }>({
    en: (p) => `Unlocked for ${p.duration}.`,
    "zh-CN": (p) => `已解锁，有效期 ${p.duration}。`,
  }),
  lockDone: { en: "Locked.", "zh-CN": "已锁定。" },
  unlockOwnerLockout: text<{ max: number; user: string; duration: string }>({
    en: (p) => `⚠️ /unlock: ${p.max} wrong passphrases from ${p.user}; they are locked out for ${p.duration}.`,
    "zh-CN": (p) => `⚠️ /unlock：${p.user} 连续输错口令 ${p.max} 次，已被锁定 ${p.duration}。`,
  }),
  unlockOwnerPaused: text<{ max: number; user: string; duration: string }>({
    en: (p) =>
      `⚠️ /unlock is paused on this account for ${p.duration}: ${p.max} wrong passphrases within ${p.duration} (the last from ${p.user}). If that was not you, change the passphrase.`,
    "zh-CN": (p) =>
      `⚠️ 这个账号的 /unlock 已暂停 ${p.duration}：${p.duration}内口令错误 ${p.max} 次（最后一次来自 ${p.user}）。如果不是你本人，请更换口令。`,
  }),

  // --- approval questions ---
  approveTool: text<{ tool: string; within: string }>({
    en: (p) => `🔐 Allow ${p.tool} with exactly this? Answer within ${p.within}.`,
    "zh-CN": (p) => `🔐 允许 ${p.tool} 执行下面的内容吗？请在 ${p.within}内回答。`,
  }),
  permissionAsk: text<{ what: string; choices: string; range: string }>({
    en: (p) => `🔐 The agent asks to: ${p.what}\n${p.choices}\nReply ${p.range} (or y/n).`,
    "zh-CN": (p) => `🔐 助手请求：${p.what}\n${p.choices}\n请回复 ${p.range}（或 y/n）。`,
  }),
  permissionAgain: text<{ question: string }>({
    en: (p) => `Sorry, I didn't get that. ${p.question}`,
    "zh-CN": (p) => `抱歉，没看懂。${p.question}`,
  }),

  // --- how a turn ends ---
  noAnswer: { en: "(no answer)", "zh-CN": "（没有回答）" },
  stoppedAfterSteps: text<{ steps: number }>({
    en: (p) => `(I stopped after ${p.steps} steps; reply "continue" to let me go on.)`,
    "zh-CN": (p) => `（已执行 ${p.steps} 步，先停在这里；回复“继续”让我接着做。）`,
  }),
  replyCut: text<{ max: number }>({
    en: (p) => `… (reply cut at ${p.max} characters)`,
    "zh-CN": (p) => `…（回复超过 ${p.max} 个字符，后面已截掉）`,
  }),
  stopped: { en: "(stopped)", "zh-CN": "（已停止）" },
  cannotHere: text<{ reason: string }>({
    en: (p) => `⚠️ I can't do this here: ${p.reason}.`,
    "zh-CN": (p) => `⚠️ 这里不能这样做：${p.reason}。`,
  }),
  notLoggedIn: text<{ fix: string }>({
    en: (p) => `⚠️ The agent is not logged in. To fix: ${p.fix}`,
    "zh-CN": (p) => `⚠️ 助手还没有登录。解决办法：${p.fix}`,
  }),
  notSetUp: {
    en: "Sorry, the agent is not set up yet. Please try again later.",
    "zh-CN": "抱歉，助手还没配置好，请稍后再试。",
  },
  outOfTokens: {
    en: "(the agent ran out of output tokens; say “continue” to go on)",
    "zh-CN": "（助手的输出长度用完了；回复“继续”让它接着写）",
  },
  stepLimit: {
    en: "(the agent reached its step limit for one turn; say “continue” to go on)",
    "zh-CN": "（助手这一轮的步数已达上限；回复“继续”让它接着做）",
  },
  declined: { en: "(the agent declined to continue)", "zh-CN": "（助手拒绝继续）" },
  finishedSilently: { en: "(the agent finished without a reply)", "zh-CN": "（助手已完成，但没有回复内容）" },
  modeViolation: text<{ mode: string }>({
    en: (p) =>
      `the agent switched itself to its \`${p.mode}\` mode, which this chat does not allow, so I stopped it; the mode is set back for your next message`,
    "zh-CN": (p) => `助手自己切换到了 \`${p.mode}\` 模式，这个聊天不允许，已停止；下条消息会恢复原来的模式`,
  }),
  crashed: text<{ how: string }>({
    en: (p) => `the agent process ${p.how}; it will be restarted on your next message`,
    "zh-CN": (p) => `助手进程意外结束（${p.how}），你发下一条消息时会重新启动`,
  }),

  // --- progress lines ---
  toolFailed: text<{ title: string }>({
    en: (p) => `⚠️ failed: ${p.title}`,
    "zh-CN": (p) => `⚠️ 失败：${p.title}`,
  }),
  plan: text<{ steps: number }>({
    en: (p) => `📋 plan: ${p.steps} step${Number(p.steps) === 1 ? "" : "s"}`,
    "zh-CN": (p) => `📋 计划：${p.steps} 步`,
  }),
  retrying: {
    en: "⏳ The model service is not answering; retrying…",
    "zh-CN": "⏳ 模型服务没有响应，正在重试…",
  },

  // --- the echo agent's words around what it echoes ---
  echoEmpty: { en: "(empty message)", "zh-CN": "（空消息）" },
  echoQuoting: text<{ what: string }>({
    en: (p) => `[quoting ${p.what}]`,
    "zh-CN": (p) => `[引用 ${p.what}]`,
  }),
  echoImage: { en: "image", "zh-CN": "图片" },
  echoFile: { en: "file", "zh-CN": "文件" },
  echoVideo: { en: "video", "zh-CN": "视频" },
  echoVoice: { en: "voice", "zh-CN": "语音" },

  // --- media the agent sent ---
  mediaUndeliverable: text<{ what: string }>({
    en: (p) =>
      `(the agent sent ${p.what === "audio" ? "audio" : `a ${p.what}`} that cannot be delivered here)`,
    "zh-CN": (p) => `（助手发来的${mediaKindZh(p.what)}在这里发不出去）`,
  }),
  mediaTooBig: text<{ what: string; bytes: number; max: number }>({
    en: (p) => `(the agent sent a ${p.what} of ${p.bytes} bytes, above the ${p.max}-byte limit; not sent)`,
    "zh-CN": (p) =>
      `（助手发来的${mediaKindZh(p.what)}有 ${p.bytes} 字节，超过 ${p.max} 字节的上限，没有发送）`,
  }),
  mediaNotSaved: text<{ what: string }>({
    en: (p) => `(a ${p.what} the agent sent could not be saved)`,
    "zh-CN": (p) => `（助手发来的${mediaKindZh(p.what)}没能保存）`,
  }),
});

function mediaKindZh(what: string): string {
  const s = String(what);
  return s === "image" ? "图片" : s === "audio" ? "音频" : "文件";
}

export type AgentWords = Words<typeof AGENT_TEXTS>;

export function agentWords(lang: Lang): AgentWords {
  return wordsFor(AGENT_TEXTS, lang);
}

/** The words for a contact: in the language the gateway set on it, else the system's. */
export function wordsOf(contact: Pick<Contact, "language">): AgentWords {
  return agentWords(contact.language ?? systemLanguage());
}
