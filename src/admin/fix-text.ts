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
  { en: /^account disabled$/, zh: () => "账号已停用。" },
];

export function fixText(fix: string, locale: Locale): string {
  if (locale === "en") return fix;
  for (const t of FIX_TRANSLATIONS) {
    const m = t.en.exec(fix);
    if (m) return t.zh(m);
  }
  return fix;
}
