/**
 * The chat page's words in English and Simplified Chinese. The server picks a locale from
 * Accept-Language to render the shell; both dictionaries are embedded in the page so the browser
 * script can fall back to navigator.language when the request carried no preference.
 */

export type Locale = "en" | "zh-CN";

const en = {
  title: "wxagent simulator",
  chats: "Chats",
  me: "Me",
  newUser: "New user",
  newUserPrompt: "Name of the new WeChat user",
  bot: "Bot",
  noBot: "No bot account yet",
  createBot: "Create bot account",
  newGroup: "New group",
  newGroupPrompt: "Group name",
  search: "Search",
  pickChat: "Pick a chat on the left to start talking to the bot.",
  noUser: "Create a WeChat user to start.",
  inputPlaceholder: "Type a message",
  send: "Send",
  image: "Image",
  file: "File",
  voice: "Voice",
  mention: "@ the bot",
  voiceTitle: "Voice message",
  voiceTranscript: "Transcript (what WeChat's speech-to-text heard)",
  voiceSeconds: "Length (seconds)",
  cancel: "Cancel",
  ok: "OK",
  sendRefused: "sendmessage refused",
  quote: "Quote",
  quoting: "Quoting",
  typing: "typing…",
  voiceLabel: "Voice",
  imageLabel: "[Image]",
  fileLabel: "[File]",
  videoLabel: "[Video]",
  toolRunning: "running tool",
  toolDone: "tool finished",
  settings: "Simulator",
  realism: "Realism",
  realismOn: "Realism on (send quota, -2 bursts, redelivery)",
  sendQuota: "Sends per context token",
  throttle: "Throttle: sends per window (0 = off)",
  throttleWindow: "Throttle window (ms)",
  redelivery: "Redelivery chance (0–1)",
  textLimit: "Text limit (characters)",
  tokenLifetime: "Context-token lifetime (ms)",
  seed: "Random seed",
  apply: "Apply",
  faults: "Faults",
  endpoint: "Endpoint",
  faultKind: "Fault",
  faultStatus: "HTTP status",
  faultRet: "ret code",
  faultLatency: "Latency (ms)",
  faultDrop: "Drop the connection",
  faultTriggered: "Injected fault hit",
  faultExpire: "Expire this bot's token (-14)",
  faultRedeliver: "Redeliver the last message (value = delay ms)",
  value: "Value",
  count: "Next N calls",
  inject: "Inject",
  clearFaults: "Clear faults",
  events: "Events",
  saved: "Saved",
  failed: "Failed",
  connected: "Live",
  disconnected: "Reconnecting…",
  you: "You",
  groupMembers: "Group",
  directChat: "Direct chat",
  download: "Open",
  mediaUnavailable: "preview unavailable",
  back: "Back",
  botExpired:
    "This bot's session ended (-14). Make a new one: Bot → “+ Create bot account”, or log in again from the admin UI's QR login.",
  groupHint:
    "In a group the bot answers only when @-mentioned (the @ button). A gateway with groups disabled (the default for real accounts) stays silent.",
  phoneTitle: "Scan to log in",
  phoneIntro:
    "A login client (wxagent login, the admin UI's QR login) shows this QR code. Here you are the phone that scans it.",
  phoneScanAs: "Scan as",
  phoneNewUser: "a new WeChat user",
  phoneAskCode: "Ask for a pairing number (WeChat sometimes does)",
  phoneScan: "Scan",
  phoneConfirm: "Confirm login",
  phoneRebind:
    "This user already owns a live bot: confirming a second one ends the first one's session (-14), as WeChat does. Pick another user to keep both.",
  phoneWait: "Waiting for the scan.",
  phoneScanned: "Scanned: confirm the login.",
  phoneCode: "The login client asks for this number:",
  phoneConfirmed: "Logged in: the bot is bound to this user, and the login client saves it.",
  phoneOpenChat: "Chat with the new bot",
  phoneExpired: "This QR code expired: the login client shows a new one.",
  phoneBlocked: "Too many wrong numbers: the login client starts over with a new QR code.",
  phoneBound: "This bot is already bound to that login client: nothing changed.",
  phoneUnknown: "This simulator does not know this QR code (it may have restarted): start the login again.",
  phoneClose: "Close",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const zhCN: Messages = {
  title: "wxagent 模拟器",
  chats: "微信",
  me: "我",
  newUser: "新用户",
  newUserPrompt: "新微信用户的名字",
  bot: "机器人",
  noBot: "还没有机器人账号",
  createBot: "创建机器人账号",
  newGroup: "发起群聊",
  newGroupPrompt: "群聊名称",
  search: "搜索",
  pickChat: "在左侧选择一个聊天，开始和机器人对话。",
  noUser: "先创建一个微信用户。",
  inputPlaceholder: "输入消息",
  send: "发送",
  image: "图片",
  file: "文件",
  voice: "语音",
  mention: "@机器人",
  voiceTitle: "语音消息",
  voiceTranscript: "转文字（微信语音识别的结果）",
  voiceSeconds: "时长（秒）",
  cancel: "取消",
  ok: "确定",
  sendRefused: "sendmessage 被拒绝",
  quote: "引用",
  quoting: "引用",
  typing: "对方正在输入…",
  voiceLabel: "语音",
  imageLabel: "[图片]",
  fileLabel: "[文件]",
  videoLabel: "[视频]",
  toolRunning: "正在调用工具",
  toolDone: "工具调用完成",
  settings: "模拟器",
  realism: "真实度",
  realismOn: "开启真实模式（发送配额、-2 限流、重复投递）",
  sendQuota: "每个 context token 可发条数",
  throttle: "限流：每个时间窗可发条数（0 为关闭）",
  throttleWindow: "限流时间窗（毫秒）",
  redelivery: "重复投递概率（0–1）",
  textLimit: "文本长度上限（字符）",
  tokenLifetime: "context token 有效期（毫秒）",
  seed: "随机种子",
  apply: "应用",
  faults: "故障注入",
  endpoint: "接口",
  faultKind: "故障",
  faultStatus: "HTTP 状态码",
  faultRet: "ret 错误码",
  faultLatency: "延迟（毫秒）",
  faultDrop: "断开连接",
  faultTriggered: "注入的故障已触发",
  faultExpire: "让当前机器人的 token 过期（-14）",
  faultRedeliver: "重复投递上一条消息（值 = 延迟毫秒）",
  value: "值",
  count: "接下来 N 次调用",
  inject: "注入",
  clearFaults: "清除故障",
  events: "事件",
  saved: "已保存",
  failed: "失败",
  connected: "已连接",
  disconnected: "重新连接中…",
  you: "你",
  groupMembers: "群聊",
  directChat: "单聊",
  download: "打开",
  mediaUnavailable: "无法预览",
  back: "返回",
  botExpired:
    "这个机器人的会话已结束（-14）。新建一个：机器人 → “+ 创建机器人账号”，或在管理界面扫码重新登录。",
  groupHint:
    "在群聊里，只有 @ 机器人时它才会回复（用 @ 按钮）。关闭了群聊的网关（真实账号的默认设置）不会回复。",
  phoneTitle: "扫码登录",
  phoneIntro: "登录客户端（wxagent login、管理界面的扫码登录）显示了这个二维码。在这里你扮演扫码的手机。",
  phoneScanAs: "扫码的用户",
  phoneNewUser: "一个新的微信用户",
  phoneAskCode: "要求输入配对数字（微信有时会这样）",
  phoneScan: "扫一扫",
  phoneConfirm: "确认登录",
  phoneRebind:
    "这个用户已经有一个在线的机器人：再确认一个，会像微信那样让第一个的会话失效（-14）。想两个都保留，请换一个用户。",
  phoneWait: "等待扫码。",
  phoneScanned: "已扫码：请确认登录。",
  phoneCode: "登录客户端需要输入这个数字：",
  phoneConfirmed: "登录成功：机器人已绑定到这个用户，登录客户端会保存它。",
  phoneOpenChat: "和新机器人聊天",
  phoneExpired: "二维码已过期：登录客户端会显示一个新的。",
  phoneBlocked: "输错数字次数过多：登录客户端会换一个新的二维码重新开始。",
  phoneBound: "这个机器人已经绑定在那个登录客户端上：没有任何改变。",
  phoneUnknown: "模拟器不认识这个二维码（可能重启过）：请重新开始登录。",
  phoneClose: "关闭",
};

export const dictionaries: Record<Locale, Messages> = { en, "zh-CN": zhCN };

/**
 * Picks the locale from an Accept-Language header, honouring q-values. Any `zh` tag (zh, zh-CN,
 * zh-Hans, even zh-TW for lack of a Traditional dictionary) maps to zh-CN; everything else to en.
 * Returns undefined when the header names neither, so the browser may decide.
 */
export function pickLocale(acceptLanguage: string | undefined): Locale | undefined {
  if (!acceptLanguage) return undefined;
  const ranked = acceptLanguage
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const weight = q ? Number.parseFloat(q.slice(2)) : 1;
      return { tag: tag.toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.tag !== "" && entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return undefined;
}
