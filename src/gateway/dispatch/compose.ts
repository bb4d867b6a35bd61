/**
 * A pipeline of middleware steps: each step gets the context the steps before it established and
 * hands `next` a context with what it adds (typed: a step's output is the next step's input), or
 * does not call `next` when it has handled the message itself. Steps run synchronously up to
 * their first `await`, so a pipeline whose steps only await `next` runs to its end within `run`.
 */

/** The rest of the pipeline, given what this step established. */
export type Next<C> = (ctx: C) => Promise<void>;

/** One step: `In` is what it needs, `Out` what it hands on (usually `In` and more). */
export type Step<In, Out = In> = (ctx: In, next: Next<Out>) => Promise<void>;

type AnyStep = (ctx: unknown, next: Next<unknown>) => Promise<void>;

/** An immutable pipeline from `In` to `Out`; `use` returns a longer one. */
export class Pipeline<In, Out = In> {
  readonly #steps: readonly AnyStep[];

  private constructor(steps: readonly AnyStep[]) {
    this.#steps = steps;
  }

  /** A pipeline without steps, taking a `C`. */
  static of<C>(): Pipeline<C, C> {
    return new Pipeline<C, C>([]);
  }

  /** Add a step; its `Out` (default: what it gets) is what the steps after it get. */
  use<Added = Out>(step: Step<Out, Added>): Pipeline<In, Added> {
    return new Pipeline<In, Added>([...this.#steps, step as unknown as AnyStep]);
  }

  /** Run the steps on `ctx`; `last` gets the context of a message every step passed on. */
  run(ctx: In, last?: Next<Out>): Promise<void> {
    const steps = this.#steps;
    const at = (i: number, c: unknown): Promise<void> => {
      const step = steps[i];
      if (step === undefined) return last ? last(c as Out) : Promise.resolve();
      let called = false;
      return step(c, (n) => {
        if (called) return Promise.reject(new Error(`pipeline step ${i} called next twice`));
        called = true;
        return at(i + 1, n);
      });
    };
    return at(0, ctx);
  }
}

/** The steps of `pipeline` as one step, so a pipeline can be a step of a longer one. */
export function asStep<In, Out>(pipeline: Pipeline<In, Out>): Step<In, Out> {
  return (ctx, next) => pipeline.run(ctx, next);
}
