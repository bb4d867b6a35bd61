/**
 * What the gateway itself says to WeChat users, in English and Chinese: command answers, refusals,
 * pairing codes, questions for approval, the quota note, turn failures. The language is the
 * account's (`language` in its profile, else the system's; see `DispatchOptions.languageFor`).
 * Media notices are in media/texts.ts. Chinese is written as a WeChat message would be: short,
 * full-width punctuation, "主人" for the bot's owner.
 */
import { defineCatalogue, type Lang, text, type Words, wordsFor } from "../shared/i18n.js";

export const GATEWAY_TEXTS = defineCatalogue({
  // --- commands ---
  help: {
    en: [
      "Commands:",
      "/stop: stop the answer in progress",
      "/new: start a fresh conversation (the agent forgets this chat)",
      "/status: what is queued for you and how many messages I can still send",
      "/unlock <passphrase>: more than read-only access for a while (when the owner set a passphrase)",
      "/lock: end an unlock early",
      "/help: this list",
      "Anything else goes to the agent.",
    ].join("\n"),
    "zh-CN": [
      "可用命令：",
      "/stop：停止正在进行的回答",
      "/new：开始新对话（助手会忘掉之前的聊天）",
      "/status：查看你排队中的消息，以及我还能给你发几条",
      "/unlock <口令>：临时获得只读以外的权限（需主人设置过口令）",
      "/lock：提前结束解锁",
      "/help：显示这份列表",
      "其他消息都会交给助手处理。",
    ].join("\n"),
  },
  helpAgentCommands: { en: "The agent's commands:", "zh-CN": "助手自带的命令：" },
  statusRunning: { en: "Working on your message now.", "zh-CN": "正在处理你的消息。" },
  statusIdle: { en: "Nothing running for you right now.", "zh-CN": "目前没有在处理你的消息。" },
  statusQueued: text<{ n: number }>({
    en: (p) => `Waiting in your queue: ${p.n}.`,
    "zh-CN": (p) => `排队中：${p.n} 条。`,
  }),
  statusSendsLeft: text<{ left: number; quota: number }>({
    en: (p) => `Messages I can still send before you need to write again: ${p.left} of ${p.quota}.`,
    "zh-CN": (p) => `在你下次发消息前，我还能发 ${p.left} 条（共 ${p.quota} 条）。`,
  }),
  statusDeferred: text<{ n: number }>({
    en: (p) => `Held back until your next message: ${p.n}.`,
    "zh-CN": (p) => `等你下次发消息后再发出：${p.n} 条。`,
  }),
  stopped: { en: "Stopped.", "zh-CN": "已停止。" },
  stopNothing: { en: "Nothing is running for you right now.", "zh-CN": "目前没有正在进行的回答。" },
  stopNotYours: {
    en: "Only the person who asked (or the owner) can stop this answer.",
    "zh-CN": "只有提问的人（或主人）才能停止这个回答。",
  },
  commandFailed: text<{ command: string }>({
    en: (p) => `Sorry, /${p.command} failed. Please try again later.`,
    "zh-CN": (p) => `抱歉，/${p.command} 没有执行成功，请稍后再试。`,
  }),
  unlockReplayed: {
    en: "Your /unlock arrived just before a restart and its passphrase was not kept; please send it again.",
    "zh-CN": "你的 /unlock 刚好赶上重启，口令没有保存，请再发一次。",
  },
  unlockInGroup: {
    en: "Send /unlock to me in a private chat: a passphrase sent in a group is seen by everyone there.",
    "zh-CN": "请私聊我发送 /unlock：口令发在群里，群里的人都能看到。",
  },
  newConversation: { en: "Started a new conversation.", "zh-CN": "已开始新对话。" },
  turnFailed: {
    en: "Sorry, the agent failed. Please try again, or send /new to start over.",
    "zh-CN": "抱歉，助手出错了。请再试一次，或发送 /new 重新开始。",
  },
  turnTimedOut: {
    en: "Sorry, the answer took too long and was stopped. Please try again, or send /new to start over.",
    "zh-CN": "抱歉，回答用时太久，已被中止。请再试一次，或发送 /new 重新开始。",
  },
  flood: text<{ max: number }>({
    en: (p) =>
      `You have ${p.max} messages waiting already; I skipped the newest. Please wait for my answers.`,
    "zh-CN": (p) => `你已有 ${p.max} 条消息在排队，最新这条先跳过了，请等我回复完。`,
  }),

  // --- access ---
  rateContact: text<{ seconds: number }>({
    en: (p) => `You're sending messages faster than I can answer. I'll pick up again in ${p.seconds} s.`,
    "zh-CN": (p) => `你发得太快了，我跟不上。${p.seconds} 秒后我再接着回复。`,
  }),
  rateAccount: text<{ seconds: number }>({
    en: (p) => `I'm getting more messages than I can answer right now. Please write again in ${p.seconds} s.`,
    "zh-CN": (p) => `现在消息太多，我忙不过来，请 ${p.seconds} 秒后再发。`,
  }),
  pairingFirst: text<{ code: string; minutes: number }>({
    en: (p) =>
      `Hi! I only answer people my owner has approved. Your pairing code: ${p.code} (valid ${p.minutes} min). Send it to my owner; once approved, just write again.`,
    "zh-CN": (p) =>
      `你好！我只回复主人批准过的人。你的配对码：${p.code}（${p.minutes} 分钟内有效）。把它发给我的主人，批准后再给我发消息就行。`,
  }),
  pairingReminder: text<{ code: string; minutes: number }>({
    en: (p) =>
      `Your earlier pairing code expired. New code: ${p.code} (valid ${p.minutes} min). Send it to my owner to be approved, then write again.`,
    "zh-CN": (p) =>
      `之前的配对码已过期。新配对码：${p.code}（${p.minutes} 分钟内有效）。发给我的主人批准后，再给我发消息即可。`,
  }),

  // --- questions (AgentIO.ask) ---
  askReleased: text<{ number: number }>({
    en: (p) => `Question #${p.number} comes now; answer it once you have read it.`,
    "zh-CN": (p) => `问题 #${p.number} 马上发给你，看完再回答。`,
  }),
  askNoSuch: text<{ number: number }>({
    en: (p) => `No question #${p.number} is waiting for you.`,
    "zh-CN": (p) => `没有等你回答的问题 #${p.number}。`,
  }),
  askWhich: text<{ count: number }>({
    en: (p) => `${p.count} questions are waiting for you; say which one you answer.`,
    "zh-CN": (p) => `有 ${p.count} 个问题在等你回答，请说明回答的是哪一个。`,
  }),
  askWhichExample: text<{ number: number }>({
    en: (p) => `Answer with the number after your reply, e.g. "y ${p.number}".`,
    "zh-CN": (p) => `请在回复后面加上编号，例如“y ${p.number}”。`,
  }),
  askWaitsForOwner: text<{ numbers: string }>({
    en: (p) =>
      `Your request waits for the owner's approval (question ${p.numbers}); only the owner can answer it.`,
    "zh-CN": (p) => `你的请求正在等主人批准（问题 ${p.numbers}），只有主人能回答。`,
  }),
  askNoOwner: {
    en: "This needs the owner's approval, but no owner is recorded; refused.",
    "zh-CN": "这需要主人批准，但没有登记主人，已拒绝。",
  },
  askExpired: text<{ number: number; takenAsNo: boolean }>({
    en: (p) => `Question #${p.number} expired without an answer${p.takenAsNo ? "; taken as no" : ""}.`,
    "zh-CN": (p) => `问题 #${p.number} 超时未回答${p.takenAsNo ? "，按“否”处理" : ""}。`,
  }),
  askOwnerLate: text<{ number: number }>({
    en: (p) => `The owner did not answer in time (question #${p.number}); not done.`,
    "zh-CN": (p) => `主人没有及时回复（问题 #${p.number}），未执行。`,
  }),
  askWithdrawn: text<{ number: number }>({
    en: (p) =>
      `Question #${p.number} is withdrawn: the request ended before an answer (the agent stopped or failed).`,
    "zh-CN": (p) => `问题 #${p.number} 已撤回：还没等到回答，请求就结束了（助手已停止或出错）。`,
  }),
  askHead: text<{ number: number }>({
    en: (p) => `Question #${p.number}:`,
    "zh-CN": (p) => `问题 #${p.number}：`,
  }),
  askHeadFor: text<{ number: number; who: string }>({
    en: (p) => `Question #${p.number}, for ${p.who}:`,
    "zh-CN": (p) => `问题 #${p.number}，来自 ${p.who}：`,
  }),
  askWhoInGroup: text<{ user: string; group: string }>({
    en: (p) => `${p.user} (group ${p.group})`,
    "zh-CN": (p) => `${p.user}（群 ${p.group}）`,
  }),
  askInFile: text<{ chars: number; lines: number; name: string }>({
    en: (p) =>
      `The exact text (${p.chars} characters, ${p.lines} lines) is too long for a message: it is in the attached file ${p.name}. Read it before you answer.`,
    "zh-CN": (p) =>
      `完整内容（${p.chars} 个字符，${p.lines} 行）太长，一条消息放不下，已作为附件 ${p.name} 发送。请先看完再回答。`,
  }),
  askExactly: { en: "▼ exactly:", "zh-CN": "▼ 原文：" },
  askReplyWith: text<{ answers: string; first: string; number: number }>({
    en: (p) => `Reply ${p.answers}. With several questions waiting, add the number: ${p.first} ${p.number}.`,
    "zh-CN": (p) => `请回复 ${p.answers}。有多个问题在等待时，请加上编号：${p.first} ${p.number}。`,
  }),
  askReplyAny: text<{ number: number }>({
    en: (p) => `With several questions waiting, add the number after your answer: … ${p.number}.`,
    "zh-CN": (p) => `有多个问题在等待时，请在回答后面加上编号：… ${p.number}。`,
  }),
  askOwnerUnreachable: text<{ number: number; minutes: number }>({
    en: (p) =>
      `This needs the owner's approval (question #${p.number}), but I cannot reach them until they write to me again; it waits ${p.minutes} min at most.`,
    "zh-CN": (p) =>
      `这需要主人批准（问题 #${p.number}），但主人给我发消息之前我没法通知到，最多等 ${p.minutes} 分钟。`,
  }),
  askOwnerAsked: text<{ number: number }>({
    en: (p) =>
      `This needs the owner's approval; I asked them (question #${p.number}) and will go on when they answer.`,
    "zh-CN": (p) => `这需要主人批准，我已经去问了（问题 #${p.number}），主人回复后我再继续。`,
  }),

  // --- delivery and replies ---
  continueNote: text<{ waiting: number }>({
    en: (p) =>
      `(reply anything to continue — ${p.waiting === 1 ? "1 more message" : `${p.waiting} more messages`} waiting)`,
    "zh-CN": (p) => `（回复任意内容继续，还有 ${p.waiting} 条消息）`,
  }),
  filesNotAllowed: {
    en: "(I could not send the file: your permissions here do not include receiving files.)",
    "zh-CN": "（文件没能发出：你在这里的权限不包括接收文件。）",
  },
  filesLost: {
    en: "(I could not attach the files to this reply.)",
    "zh-CN": "（这条回复的文件没能附上。）",
  },
});

export type GatewayWords = Words<typeof GATEWAY_TEXTS>;

/** The gateway's words in `lang`. */
export function gatewayWords(lang: Lang): GatewayWords {
  return wordsFor(GATEWAY_TEXTS, lang);
}
