/**
 * The REST API page's operation titles and descriptions in Chinese. Each keeps the English it
 * translates: when an operation's English changes, the page shows the new English (never a stale
 * translation) and the catalogue test names the entry to translate again.
 */

export interface OpTranslation {
  title: { en: string; zh: string };
  description: { en: string; zh: string };
}

export const OP_TRANSLATIONS: Readonly<Record<string, OpTranslation>> = {
  list_accounts: {
    title: { en: "List WeChat accounts", zh: "列出微信账号" },
    description: {
      en: "The logged-in WeChat bot accounts with their health: state (active/expired), whether the account lives on a simulator, what polling achieves (ok, failing with the last error, paused, none) and which process polls, last message, queue, outbox, sends left per recent contact, and the fix when something is wrong.",
      zh: "已登录的微信机器人账号及其健康状况：状态（在线/已过期）、账号是否在模拟器上、轮询的实际结果（正常、失败及最后一次错误、已暂停、无人轮询）以及由哪个进程轮询、最后一条消息、队列、待发箱、最近联系人各自的剩余可发条数，出问题时附修复办法。",
    },
  },
  list_contacts: {
    title: { en: "List contacts", zh: "列出联系人" },
    description: {
      en: "WeChat users who wrote to the bot, most recent first, with whether the bot can write to them now (context token), sends left and messages waiting in the outbox.",
      zh: "给机器人发过消息的微信用户，最近的在前；附带机器人现在能否给对方发消息（context token）、剩余可发条数，以及待发箱里等待的消息。",
    },
  },
  recent_messages: {
    title: { en: "Recent messages", zh: "最近的消息" },
    description: {
      en: "Messages exchanged with WeChat contacts, oldest first (the most recent `limit`). Inbound ids can be passed to download_media (media items are listed with their item_index) and as after_id to wait_for_messages.",
      zh: "与微信联系人往来的消息，按时间先后排列（取最近的 `limit` 条）。收到的消息 id 可以传给 download_media（媒体项附带 item_index），也可以作为 after_id 传给 wait_for_messages。",
    },
  },
  wait_for_messages: {
    title: { en: "Wait for new messages", zh: "等待新消息" },
    description: {
      en: "Wait until a contact writes to the bot, up to timeout_ms (at most 120000; keep it under your client's request timeout, often 60000). Returns the inbound messages newer than after_id (default: those arriving after this call) and a cursor to pass as after_id next time, so nothing is missed between calls.",
      zh: "等待联系人给机器人发消息，最长 timeout_ms（最多 120000；请小于客户端的请求超时，通常是 60000）。返回比 after_id 新的消息（默认：本次调用之后到达的），以及下次作为 after_id 传入的游标，两次调用之间不会漏掉消息。",
    },
  },
  send_text: {
    title: { en: "Send a WeChat text", zh: "发送微信文本" },
    description: {
      en: "Send a text to a WeChat contact who has written to the bot. Long text is split into bubbles (Markdown is simplified for WeChat). About 10 bot messages fit per message the contact sends; beyond that the text waits in the outbox (error QUOTA_SPENT) and goes out when they write again.",
      zh: "给发过消息的微信联系人发送文本。长文本会拆成多条气泡（Markdown 会按微信的显示做简化）。联系人每发一条消息，机器人大约能回 10 条；超出的部分进入待发箱（错误 QUOTA_SPENT），等对方再发消息时送出。",
    },
  },
  send_file: {
    title: { en: "Send a file, image or video", zh: "发送文件、图片或视频" },
    description: {
      en: "Send a local file to a WeChat contact (images and videos show inline, anything else as a file). An optional caption goes as a text bubble just before it. Same quota rules as send_text.",
      zh: "把本地文件发给微信联系人（图片和视频直接显示，其他按文件发送）。可选的说明文字会作为一条文本气泡先发出。发送额度规则与 send_text 相同。",
    },
  },
  download_media: {
    title: { en: "Download a message's media", zh: "下载消息中的媒体" },
    description: {
      en: "Download (and decrypt) the image, file, voice or video of an inbound message to a local path. message_id is the `id` from recent_messages or wait_for_messages; item_index picks the media item (default: the first). to_path may be a directory: the file's own name is used inside it.",
      zh: "把收到的消息里的图片、文件、语音或视频下载（并解密）到本地路径。message_id 是 recent_messages 或 wait_for_messages 返回的 `id`；item_index 指定第几个媒体项（默认第一个）。to_path 可以是目录，此时使用文件自己的名字。",
    },
  },
  login_start: {
    title: { en: "Start a WeChat QR login", zh: "开始微信扫码登录" },
    description: {
      en: "Start logging a WeChat account in as a bot: returns a QR code (image and link) and a login_id. Show the QR code to the person, who scans it with WeChat and confirms on the phone; then call login_status with the login_id until it says confirmed (the QR code is replaced when it expires: login_status returns the new one).",
      zh: "开始把一个微信账号登录为机器人：返回二维码（图片和链接）和 login_id。把二维码给对方，对方用微信扫码并在手机上确认；然后带着 login_id 调用 login_status，直到状态为 confirmed（二维码过期会自动更换，login_status 会返回新的）。",
    },
  },
  login_status: {
    title: { en: "Check a QR login", zh: "查看扫码登录状态" },
    description: {
      en: "The state of a login started with login_start: waiting, scanned, confirmed (with the account id), already_bound, failed (with the reason) or cancelled. While waiting, the current QR code is returned again (it changes when the old one expires).",
      zh: "login_start 发起的登录的状态：waiting、scanned、confirmed（附账号 id）、already_bound、failed（附原因）或 cancelled。等待期间会再次返回当前二维码（旧的过期后会更换）。",
    },
  },
  schedule_list: {
    title: { en: "Scheduled jobs", zh: "定时任务" },
    description: {
      en: "Scheduled and recurring messages of every account (newest first), each with its next run and what became of its last firing; `held` lists firings waiting in the outbox because the contact's 24 h window was closed (they go out when the contact writes).",
      zh: "所有账号的定时与周期消息（最新的在前），附下次运行时间和上次触发的结果；`held` 列出因联系人的 24 小时窗口已关闭而留在待发箱里的触发（对方再发消息时送达）。",
    },
  },
  schedule_add: {
    title: { en: "Schedule a message", zh: "安排一条消息" },
    description: {
      en: "Schedule a text, a file or an agent prompt for a contact: once (at or in) or recurring (cron in tz). A prompt runs as an agent turn in the contact's session and its answer is sent. WeChat lets a bot write only within about 24 h of the contact's last message; a firing after that waits in the outbox until they write (the answer says when that applies).",
      zh: "为联系人安排一段文字、一个文件或一个智能体提示：一次（at 或 in）或按 cron 周期（在 tz 时区）。提示会在联系人的会话里作为一次智能体回合运行，并把回答发出。微信只允许机器人在联系人最后一条消息后约 24 小时内发消息；之后的触发会留在待发箱，等对方再发消息（适用时回答里会说明）。",
    },
  },
  schedule_cancel: {
    title: { en: "Cancel a scheduled job", zh: "取消定时任务" },
    description: {
      en: "Cancel a scheduled job by its id (see schedule_list). Firings already made are not taken back.",
      zh: "按 id 取消一个定时任务（见 schedule_list）。已经触发的不会撤回。",
    },
  },
};

/** An operation's title and description in the page's language; English where no current translation exists. */
export function opWords(
  op: { name: string; title: string; description: string },
  locale: "en" | "zh-CN",
): { title: string; description: string } {
  const tr = locale === "zh-CN" ? OP_TRANSLATIONS[op.name] : undefined;
  return {
    title: tr && tr.title.en === op.title ? tr.title.zh : op.title,
    description: tr && tr.description.en === op.description ? tr.description.zh : op.description,
  };
}
