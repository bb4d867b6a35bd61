/**
 * What the gateway tells a WeChat user about media, in English and Chinese: a picture or file
 * that could not be used, a voice note it cannot listen to, a file it will not send. `label` is
 * the item's name in the sentence (`mediaLabel`): English capitalises it at the start.
 */
import { defineCatalogue, type Lang, text, type Words, wordsFor } from "../../shared/i18n.js";

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const MEDIA_TEXTS = defineCatalogue({
  // --- what an item is called ---
  picture: text<{ quoted: boolean }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}picture`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}图片`,
  }),
  video: text<{ quoted: boolean }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}video`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}视频`,
  }),
  voiceNote: text<{ quoted: boolean }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}voice note`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}语音`,
  }),
  file: text<{ quoted: boolean }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}file`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}文件`,
  }),
  namedFile: text<{ quoted: boolean; name: string }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}file "${p.name}"`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}文件“${p.name}”`,
  }),
  attachment: text<{ quoted: boolean }>({
    en: (p) => `the ${p.quoted ? "quoted " : ""}attachment`,
    "zh-CN": (p) => `${p.quoted ? "引用的" : ""}附件`,
  }),

  // --- an inbound item that could not be used ---
  badAesKey: text<{ label: string }>({
    en: (p) =>
      `${cap(p.label)} could not be opened: it came with a broken decryption key. Please send it again.`,
    "zh-CN": (p) => `${p.label}打不开：解密密钥有问题。请重新发送。`,
  }),
  decryptFailed: text<{ label: string }>({
    en: (p) =>
      `${cap(p.label)} could not be decrypted: it arrived incomplete or with the wrong key. Please send it again.`,
    "zh-CN": (p) => `${p.label}解密失败：内容不完整或密钥不对。请重新发送。`,
  }),
  corrupt: text<{ label: string }>({
    en: (p) => `${cap(p.label)} arrived damaged or incomplete. Please send it again.`,
    "zh-CN": (p) => `${p.label}已损坏或不完整，请重新发送。`,
  }),
  empty: text<{ label: string }>({
    en: (p) =>
      `${cap(p.label)} arrived empty (0 bytes), so there is nothing to read. Please check it and send it again.`,
    "zh-CN": (p) => `${p.label}是空的（0 字节），没有内容可读。请检查后重新发送。`,
  }),
  tooLarge: text<{ label: string; max: string }>({
    en: (p) => `${cap(p.label)} is larger than ${p.max}, so I did not download it.`,
    "zh-CN": (p) => `${p.label}超过 ${p.max}，所以没有下载。`,
  }),
  untrustedLink: text<{ label: string }>({
    en: (p) => `${cap(p.label)} came with a download link I do not trust, so I skipped it.`,
    "zh-CN": (p) => `${p.label}的下载链接不可信，已跳过。`,
  }),
  nothingToDownload: text<{ label: string }>({
    en: (p) => `${cap(p.label)} came without anything to download. Please send it again.`,
    "zh-CN": (p) => `${p.label}没有可下载的内容，请重新发送。`,
  }),
  downloadFailed: text<{ label: string }>({
    en: (p) => `${cap(p.label)} could not be downloaded right now. Please send it again in a moment.`,
    "zh-CN": (p) => `${p.label}暂时下载不了，请稍后重新发送。`,
  }),
  imageFormat: text<{ label: string }>({
    en: (p) =>
      `${cap(p.label)} is in a format I can't view (not PNG, JPEG, GIF, WebP or BMP); I kept it as a file.`,
    "zh-CN": (p) => `${p.label}的格式我看不了（不是 PNG、JPEG、GIF、WebP 或 BMP），已按文件保存。`,
  }),
  unsafeName: text<{ original: string; saved: string }>({
    en: (p) =>
      `The file name "${p.original}" had characters I can't use in a file name, so I saved it as "${p.saved}".`,
    "zh-CN": (p) => `文件名“${p.original}”含有不能用在文件名里的字符，已另存为“${p.saved}”。`,
  }),
  unknownItem: text<{ type: string }>({
    en: (p) => `Part of your message is of a kind I can't read here (type ${p.type}), so I skipped it.`,
    "zh-CN": (p) => `消息里有一部分是我读不了的类型（type ${p.type}），已跳过。`,
  }),

  // --- voice ---
  voiceFallback: {
    en: "I can't listen to voice notes here — please type it.",
    "zh-CN": "这里暂时听不了语音，请打字发给我。",
  },
  voiceTooLong: text<{ label: string; limit: string; lasts: string }>({
    en: (p) =>
      `${cap(p.label)} is longer than ${p.limit}${p.lasts ? ` (it lasts ${p.lasts})` : ""}, so I did not listen to it. Please send a shorter one, or type it.`,
    "zh-CN": (p) =>
      `${p.label}超过了 ${p.limit}${p.lasts ? `（这条有 ${p.lasts}）` : ""}，我没有听。请发短一点的，或者直接打字。`,
  }),
  minutes: text<{ n: number }>({ en: (p) => `${p.n} min`, "zh-CN": (p) => `${p.n} 分钟` }),
  seconds: text<{ n: number }>({ en: (p) => `${p.n} s`, "zh-CN": (p) => `${p.n} 秒` }),

  // --- outbound files ---
  sendOutside: text<{ name: string }>({
    en: (p) => `I can't send ${p.name}: it is outside my workspace.`,
    "zh-CN": (p) => `无法发送 ${p.name}：它不在我的工作区里。`,
  }),
  sendHardLink: text<{ name: string }>({
    en: (p) =>
      `I can't send ${p.name}: it is a hard link, and a hard-linked file cannot be sent from my workspace.`,
    "zh-CN": (p) => `无法发送 ${p.name}：它是硬链接，工作区里的硬链接文件不能发送。`,
  }),
  sendEmpty: text<{ name: string }>({
    en: (p) => `I can't send ${p.name}: the file is empty.`,
    "zh-CN": (p) => `无法发送 ${p.name}：文件是空的。`,
  }),
  sendTooLarge: text<{ name: string; size: string; max: string }>({
    en: (p) => `I can't send ${p.name}: it is ${p.size}, over the ${p.max} limit.`,
    "zh-CN": (p) => `无法发送 ${p.name}：文件有 ${p.size}，超过了 ${p.max} 的上限。`,
  }),
  sendMissing: text<{ name: string }>({
    en: (p) => `I can't send ${p.name}: the file does not exist.`,
    "zh-CN": (p) => `无法发送 ${p.name}：文件不存在。`,
  }),
  longReply: text<{ name: string }>({
    en: (p) => `(The reply is long: full reply attached as ${p.name}.)`,
    "zh-CN": (p) => `（回复较长，完整内容见附件 ${p.name}。）`,
  }),
});

export type MediaWords = Words<typeof MEDIA_TEXTS>;

export function mediaWords(lang: Lang): MediaWords {
  return wordsFor(MEDIA_TEXTS, lang);
}
