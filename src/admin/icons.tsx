/**
 * Small line icons as inline SVG: the pages do not depend on an emoji or icon font being
 * installed where the browser runs.
 */
export type IconName =
  | "overview"
  | "qr"
  | "account"
  | "contacts"
  | "logs"
  | "clock"
  | "api"
  | "phone"
  | "check"
  | "cross";

const PATHS: Record<IconName, string[]> = {
  overview: ["M3 3h7v9H3z", "M14 3h7v5h-7z", "M14 12h7v9h-7z", "M3 16h7v5H3z"],
  qr: [
    "M3 3h7v7H3z",
    "M14 3h7v7h-7z",
    "M3 14h7v7H3z",
    "M14 14h3v3h-3z",
    "M18 18h3v3h-3z",
    "M14 20h1",
    "M20 14h1",
  ],
  account: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21c0-4 4-6 8-6s8 2 8 6"],
  contacts: [
    "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
    "M1 21c0-4 4-6 8-6s8 2 8 6",
    "M16 3.5a4 4 0 0 1 0 7.5",
    "M19 15c2.5.8 4 2.8 4 6",
  ],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2"],
  logs: ["M8 6h13", "M8 12h13", "M8 18h13", "M3 6h.01", "M3 12h.01", "M3 18h.01"],
  api: ["M8 4 3 12l5 8", "M16 4l5 8-5 8", "M14 3l-4 18"],
  phone: ["M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1z", "M11 18h2"],
  check: ["M4 12l5 5L20 6"],
  cross: ["M5 5l14 14", "M19 5 5 19"],
};

export function Icon(props: { name: IconName; size?: number; class?: string }) {
  const size = props.size ?? 18;
  return (
    <svg
      class={props.class ?? "icon"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      {PATHS[props.name].map((d) => (
        <path d={d} />
      ))}
    </svg>
  );
}
