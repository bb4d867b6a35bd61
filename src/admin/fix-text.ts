/**
 * The fix of a non-active account in the page's language. Fixes are English sentences stored
 * with the account (the poller's, a login's) or given by the admin's own hints; the ones known
 * here are shown in Chinese to a Chinese browser, with their commands unchanged. A sentence not
 * known here (a newer one) is shown as it is: in English, but never hidden.
 */
import type { Locale } from "./i18n.js";

interface Translation {
  /** The English sentence, with the parts that carry over (ids, commands) as groups. */
  en: RegExp;
  zh: (m: RegExpExecArray) => string;
}

export const FIX_TRANSLATIONS: readonly Translation[] = [
  {
    // The poller's and the gateway's EXPIRED_REASON, the admin's EXPIRED_FIX, older short forms.
    en: /^session expired \(-14\): run `wxagent login`/,
    zh: () => "会话已过期（-14）：运行 `wxagent login` 重新扫码登录，也可以点下面的按钮在这里扫码。",
  },
  {
    en: /^replaced by a newer login of the same WeChat user \(([^)]+)\); remove it with `([^`]+)`$/,
    zh: (m) => `同一微信用户已用新的登录（${m[1]}）取代了它；可以用 \`${m[2]}\` 删除这个账号。`,
  },
  {
    // ops/health.ts replacedReason: the same user's newer active account replaced this one.
    en: /^replaced by (\S+), a newer login of the same WeChat user: remove this one with `([^`]+)`$/,
    zh: (m) => `已被同一微信用户的新登录 ${m[1]} 取代：可以用 \`${m[2]}\` 删除这个账号。`,
  },
  { en: /^account disabled$/, zh: () => "账号已停用。" },
  // ops/health.ts: what the poller achieves (pollFailureFix, and the hints without a poller or owner).
  {
    en: /^nothing answers at (\S+), a local address \(a simulator that is not running\?\): start it there again, or remove the account with `([^`]+)`$/,
    zh: (m) =>
      `${m[1]} 是本机地址，但没有任何程序应答（模拟器没在运行？）：在那里重新启动它，或用 \`${m[2]}\` 删除这个账号。`,
  },
  {
    en: /^(\S+) cannot be reached from this machine: check the network, DNS and any proxy; polling retries by itself \(every 30 s after 3 failures\)$/,
    zh: (m) => `本机连不上 ${m[1]}：请检查网络、DNS 和代理；轮询会自动重试（连续失败 3 次后每 30 秒一次）。`,
  },
  {
    en: /^the iLink server answers with errors \(usually brief\); polling retries by itself; if it lasts, check (\S+)$/,
    zh: (m) => `iLink 服务器返回错误（通常很快恢复）；轮询会自动重试；如果一直这样，请检查 ${m[1]}。`,
  },
  {
    en: /^polling retries by itself; if it keeps failing, check (\S+) and the logs of the polling process$/,
    zh: (m) => `轮询会自动重试；如果一直失败，请检查 ${m[1]} 以及负责轮询的进程的日志。`,
  },
  {
    en: /^nobody polls this account: start `([^`]+)` \(or keep `([^`]+)` running\)$/,
    zh: (m) => `没有进程在轮询这个账号：请启动 \`${m[1]}\`（或保持 \`${m[2]}\` 运行）。`,
  },
  {
    en: /^no owner recorded, so the owner is treated as any other contact \(the DM policy, pairing by default, decides\); log in with `([^`]+)`, or add it again with `([^`]+)`$/,
    zh: (m) =>
      `没有记录主人，所以主人会被当作普通联系人（由私聊策略决定，默认需要配对）；请用 \`${m[1]}\` 登录，或用 \`${m[2]}\` 重新添加。`,
  },
];

export function fixText(fix: string, locale: Locale): string {
  if (locale === "en") return fix;
  for (const t of FIX_TRANSLATIONS) {
    const m = t.en.exec(fix);
    if (m) return t.zh(m);
  }
  return fix;
}
