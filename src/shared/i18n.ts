import { messageOf } from "./wx-error.js";
/**
 * Two languages and one small mechanism for the words wxagent itself says (to WeChat users, on
 * its pages): a catalogue is a plain object whose every entry holds the English and the Chinese
 * side by side, either as strings or as functions of the same named parameters. The type system
 * refuses an entry missing a language, or whose two sides take different parameters;
 * `catalogueProblems` (run by the tests) checks what types cannot: that both sides are non-empty,
 * read the same parameters and keep the same `code` spans (commands are never translated).
 *
 *   const T = defineCatalogue({
 *     stopped: { en: "Stopped.", "zh-CN": "已停止。" },
 *     code: text<{ code: string }>({ en: (p) => `Code: ${p.code}`, "zh-CN": (p) => `配对码：${p.code}` }),
 *   });
 *   const w = wordsFor(T, "zh-CN"); w.stopped; w.code({ code: "K7P2QX" });
 */

export const LANGUAGES = ["en", "zh-CN"] as const;
export type Lang = (typeof LANGUAGES)[number];

/** What a text may be given: plain values only, so every parameter can be shown as it is. */
export type Params = Readonly<Record<string, string | number | boolean | undefined>>;

/** One text in every language: strings, or functions of the same parameters `P`. */
export type Text<P extends Params | undefined = undefined> = P extends Params
  ? { readonly [L in Lang]: (p: P) => string }
  : { readonly [L in Lang]: string };

/** An entry with parameters; `P` is written once and both languages are typed by it. */
export function text<P extends Params>(entry: Text<P>): Text<P> {
  return entry;
}

type AnyEntry = { readonly [L in Lang]: string | ((p: never) => string) };

/** Both sides of every entry of the same kind: two strings, or two functions of the English side's parameters. */
type Consistent<C> = {
  readonly [K in keyof C]: C[K] extends { en: (p: infer P) => string }
    ? { readonly [L in Lang]: (p: P) => string }
    : { readonly [L in Lang]: string };
};

export type Catalogue = Readonly<Record<string, AnyEntry>>;

export function defineCatalogue<C extends Catalogue>(catalogue: C & Consistent<C>): C {
  return catalogue;
}

/** One language's column of a catalogue: `w.stopped` is a string, `w.code({ code })` a call. */
export type Words<C extends Catalogue> = { readonly [K in keyof C]: C[K]["en"] };

const columns = new WeakMap<Catalogue, Map<Lang, unknown>>();

export function wordsFor<C extends Catalogue>(catalogue: C, lang: Lang): Words<C> {
  let byLang = columns.get(catalogue);
  if (!byLang) {
    byLang = new Map();
    columns.set(catalogue, byLang);
  }
  let words = byLang.get(lang) as Words<C> | undefined;
  if (!words) {
    words = Object.fromEntries(Object.entries(catalogue).map(([k, e]) => [k, e[lang]])) as Words<C>;
    byLang.set(lang, words);
  }
  return words;
}

export function isLang(value: unknown): value is Lang {
  return value === "en" || value === "zh-CN";
}

/**
 * The language of a locale or language tag: `zh_CN.UTF-8`, `zh-Hans`, `zh` (and, for lack of a
 * Traditional catalogue, `zh_TW`) → zh-CN; any other tag (`en_US`, `C`, `fr_FR`) → en; an empty
 * or missing one → undefined.
 */
export function langOfTag(tag: string | undefined | null): Lang | undefined {
  const t = (tag ?? "").trim().toLowerCase();
  if (t === "") return undefined;
  return t === "zh" || t.startsWith("zh_") || t.startsWith("zh-") || t.startsWith("zh.") ? "zh-CN" : "en";
}

let intlLang: Lang | undefined;

/**
 * The system's language: the first of LC_ALL, LC_MESSAGES, LANG that is set (POSIX order),
 * else the runtime's default locale (Intl: what the OS says where those are unset, as on Windows).
 */
export function systemLanguage(env: NodeJS.ProcessEnv = process.env): Lang {
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"]) {
    const lang = langOfTag(env[name]);
    if (lang) return lang;
  }
  intlLang ??= langOfTag(Intl.DateTimeFormat().resolvedOptions().locale) ?? "en";
  return intlLang;
}

/** `a, b or c` / `a、b 或 c`: alternatives in the language's own list form. */
export function orList(lang: Lang, items: readonly string[]): string {
  const [sep, or] = lang === "zh-CN" ? ["、", " 或 "] : [", ", " or "];
  const last = items.at(-1);
  return items.length < 2 || last === undefined
    ? (last ?? "")
    : `${items.slice(0, -1).join(sep)}${or}${last}`;
}

/** The `backticked` spans of a text, in order: commands, which stay the same in every language. */
export function codeSpans(s: string): string[] {
  return s.split("`").filter((_, i) => i % 2 === 1);
}

/**
 * What is wrong with a catalogue, one line per problem (empty when none): a language missing or
 * empty, two sides of different kinds, functions that read different parameters, or code spans
 * that differ. Parameters are found by calling each side with a recording stand-in.
 */
export function catalogueProblems(catalogue: Catalogue): string[] {
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(catalogue)) {
    const sides = LANGUAGES.map((lang) => ({ lang, value: entry[lang] as unknown }));
    const kinds = new Set(sides.map((s) => typeof s.value));
    if (kinds.size > 1) {
      problems.push(`${key}: its languages are not the same kind (${[...kinds].join(", ")})`);
      continue;
    }
    const outputs = sides.map(({ lang, value }) => {
      if (typeof value === "string") return { lang, out: value, read: [] as string[] };
      if (typeof value !== "function") return { lang, out: "", read: [] as string[] };
      const { params, read } = recordingParams();
      try {
        return { lang, out: String((value as (p: unknown) => unknown)(params)), read: [...read].sort() };
      } catch (err) {
        problems.push(`${key}: ${lang} throws (${messageOf(err)})`);
        return { lang, out: "-", read: [...read].sort() };
      }
    });
    for (const o of outputs) if (o.out.trim() === "") problems.push(`${key}: ${o.lang} is missing or empty`);
    const [first, ...rest] = outputs;
    if (!first) continue;
    for (const o of rest) {
      if (o.read.join(",") !== first.read.join(",")) {
        problems.push(
          `${key}: ${first.lang} reads {${first.read.join(", ")}} but ${o.lang} reads {${o.read.join(", ")}}`,
        );
      }
      if (codeSpans(o.out).join("\u0000") !== codeSpans(first.out).join("\u0000")) {
        problems.push(`${key}: the \`code\` spans of ${first.lang} and ${o.lang} differ`);
      }
    }
  }
  return problems;
}

/** Dictionaries keyed by language (the admin UI's, the chat page's): checked as a catalogue. */
export function dictionaryProblems(
  dicts: Readonly<Record<Lang, Readonly<Record<string, string>>>>,
): string[] {
  const keys = new Set(LANGUAGES.flatMap((l) => Object.keys(dicts[l])));
  const entries: Record<string, Record<Lang, string>> = {};
  for (const key of keys) {
    entries[key] = { en: dicts.en[key] ?? "", "zh-CN": dicts["zh-CN"][key] ?? "" };
  }
  return catalogueProblems(entries);
}

/**
 * Parameters that note which names are read. Each value is a String object holding a number,
 * so it can be shown, compared, counted with and formatted whatever the parameter's type.
 */
function recordingParams(): { params: unknown; read: Set<string> } {
  const read = new Set<string>();
  const params = new Proxy(
    {},
    {
      get(_target, name) {
        if (typeof name !== "string") return undefined;
        read.add(name);
        return new String(7);
      },
    },
  );
  return { params, read };
}
