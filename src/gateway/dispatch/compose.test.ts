import { describe, expect, it } from "vitest";
import { asStep, Pipeline, type Step } from "./compose.js";

describe("Pipeline", () => {
  it("runs steps in order, each handing the next what it adds", async () => {
    const seen: string[] = [];
    const parse: Step<{ raw: string }, { raw: string; n: number }> = async (ctx, next) => {
      seen.push("parse");
      await next({ ...ctx, n: Number(ctx.raw) });
      seen.push("parse after");
    };
    type Parsed = { raw: string; n: number };
    const double: Step<Parsed, Parsed & { doubled: number }> = async (ctx, next) => {
      seen.push("double");
      return next({ ...ctx, doubled: ctx.n * 2 });
    };
    let last: { raw: string; n: number; doubled: number } | undefined;
    await Pipeline.of<{ raw: string }>()
      .use(parse)
      .use(double)
      .run({ raw: "21" }, async (ctx) => {
        last = { raw: ctx.raw, n: ctx.n, doubled: ctx.doubled };
      });
    expect(last).toEqual({ raw: "21", n: 21, doubled: 42 });
    expect(seen).toEqual(["parse", "double", "parse after"]);
  });

  it("a step that does not call next ends the run there", async () => {
    const reached: string[] = [];
    await Pipeline.of<{ stop: boolean }>()
      .use(async (ctx, next) => (ctx.stop ? undefined : next(ctx)))
      .use(async (ctx, next) => {
        reached.push(String(ctx.stop));
        return next(ctx);
      })
      .run({ stop: true });
    expect(reached).toEqual([]);
  });

  it("runs synchronously up to the first await (a caller sees the effects at once)", () => {
    const effects: number[] = [];
    void Pipeline.of<number>()
      .use(async (n, next) => {
        effects.push(n);
        return next(n + 1);
      })
      .use(async (n) => {
        effects.push(n);
      })
      .run(1);
    expect(effects).toEqual([1, 2]);
  });

  it("rejects a second call of next, and passes a step's error to the caller", async () => {
    const twice = Pipeline.of<number>().use(async (n, next) => {
      await next(n);
      await next(n);
    });
    await expect(twice.run(0)).rejects.toThrow(/called next twice/);
    const failing = Pipeline.of<number>().use(async () => {
      throw new Error("boom");
    });
    await expect(failing.run(0)).rejects.toThrow("boom");
  });

  it("a pipeline is a step of a longer one", async () => {
    const inner = Pipeline.of<{ a: number }>().use<{ a: number; b: number }>(async (c, next) =>
      next({ ...c, b: c.a + 1 }),
    );
    let b = 0;
    await Pipeline.of<{ a: number }>()
      .use(asStep(inner))
      .run({ a: 1 }, async (c) => {
        b = c.b;
      });
    expect(b).toBe(2);
  });
});
