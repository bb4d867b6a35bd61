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
