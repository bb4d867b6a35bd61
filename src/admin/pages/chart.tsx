/** The messages-per-minute chart: inline SVG, re-fetched by htmx every few seconds. */
import type { MinuteBucket } from "../data.js";
import type { Dict } from "../i18n.js";

const W = 720;
const H = 190;
const PAD = { left: 34, right: 8, top: 10, bottom: 24 };

/** A round axis maximum at or above `n` (1, 2, 5, 10, 20, 50 …). */
export function niceMax(n: number): number {
  if (n <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * pow >= n) return step * pow;
  return 10 * pow;
}

export function TrafficChart(props: { buckets: MinuteBucket[]; t: Dict }) {
  const { buckets, t } = props;
  const max = niceMax(Math.max(0, ...buckets.map((b) => Math.max(b.inbound, b.outbound))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(2, (slot - 4) / 2);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  const total = buckets.reduce((s, b) => ({ in: s.in + b.inbound, out: s.out + b.outbound }), {
    in: 0,
    out: 0,
  });
  const n = buckets.length;
  return (
    <div class="chart" id="traffic-chart" data-total-in={String(total.in)} data-total-out={String(total.out)}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t.chartTitle}>
        {ticks.map((v) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke="#ececec" stroke-width="1" />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" font-size="11" fill="#999">
              {String(Math.round(v))}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = PAD.left + i * slot + 2;
          return (
            <g>
              <title>{`${new Date(b.atMs).toTimeString().slice(0, 5)}  ${t.chartIn} ${b.inbound} · ${t.chartOut} ${b.outbound}`}</title>
              {b.inbound > 0 ? (
                <rect
                  x={x}
                  y={y(b.inbound)}
                  width={barW}
                  height={y(0) - y(b.inbound)}
                  rx="1.5"
                  fill="#07c160"
                />
              ) : null}
              {b.outbound > 0 ? (
                <rect
                  x={x + barW}
                  y={y(b.outbound)}
                  width={barW}
                  height={y(0) - y(b.outbound)}
                  rx="1.5"
                  fill="#10aeff"
                />
              ) : null}
            </g>
          );
        })}
        {[0, Math.floor(n / 2), n - 1].map((i) => (
          <text
            x={PAD.left + i * slot + slot / 2}
            y={H - 6}
            text-anchor={i === 0 ? "start" : i === n - 1 ? "end" : "middle"}
            font-size="11"
            fill="#999"
          >
            {i === n - 1 ? t.chartNow : `${n - 1 - i} ${t.chartAgo}`}
          </text>
        ))}
      </svg>
      <div class="legend">
        <span>
          <i class="sw-in" />
          {t.chartIn} {String(total.in)}
        </span>
        <span>
          <i class="sw-out" />
          {t.chartOut} {String(total.out)}
        </span>
      </div>
    </div>
  );
}
