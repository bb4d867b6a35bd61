/**
 * Koa-style middleware for `Bot`, after grammY's `Composer`: a middleware is `(ctx, next)`; it
 * may work before and after `await next()`, or not call `next` at all, which ends the chain for
 * that message. `use()` and `on()` return a child composer, so branches read left to right.
 */
import type { Context } from "./context.js";
import { type Filter, type FilterQuery, matchFilter } from "./filter.js";

/**
 * Runs the rest of the chain; resolves when it has finished.
 *
 * @example
 * import type { Context, NextFunction } from "wxagent/ilink";
 * async function audit(ctx: Context, next: NextFunction): Promise<void> {
 *   await next();
 *   console.error(`handled ${ctx.messageId}`);
 * }
 */
export type NextFunction = () => Promise<void>;

/**
 * One step of the chain.
 *
 * @example
 * import type { Context, MiddlewareFn } from "wxagent/ilink";
 * const timing: MiddlewareFn<Context> = async (ctx, next) => {
 *   const startedMs = Date.now();
 *   await next();
 *   console.error(`${ctx.from} took ${Date.now() - startedMs} ms`);
 * };
 */
export type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;

/**
 * Anything that can hand out a middleware function (a `Composer`, a plugin object).
 *
 * @example
 * import type { Context, MiddlewareObj } from "wxagent/ilink";
 * const plugin: MiddlewareObj<Context> = { middleware: () => (_ctx, next) => next() };
 */
export interface MiddlewareObj<C> {
  middleware(): MiddlewareFn<C>;
}

/**
 * A middleware function or object, as `use()` and `on()` accept.
 *
 * @example
 * import { Composer, type Context, type Middleware } from "wxagent/ilink";
 * const steps: Middleware<Context>[] = [new Composer<Context>(), (_ctx, next) => next()];
 */
export type Middleware<C> = MiddlewareFn<C> | MiddlewareObj<C>;

const pass: MiddlewareFn<unknown> = (_ctx, next) => next();

/** A function for any middleware; a composer is read when it runs, so later `use()` calls count. */
function flatten<C>(mw: Middleware<C>): MiddlewareFn<C> {
  return typeof mw === "function" ? mw : (ctx, next) => mw.middleware()(ctx, next);
}

/** `first`, whose `next` runs `andThen`; calling `next` twice is a bug and throws. */
function concat<C>(first: MiddlewareFn<C>, andThen: MiddlewareFn<C>): MiddlewareFn<C> {
  return async (ctx, next) => {
    let called = false;
    await first(ctx, async () => {
      if (called) throw new Error("next() was called more than once by the same middleware");
      called = true;
      await andThen(ctx, next);
    });
  };
}

/**
 * A chain of middleware. `Bot` runs one for every accepted message.
 *
 * @example
 * import { Composer, type Context } from "wxagent/ilink";
 * const commands = new Composer<Context>();
 * commands.on("message:text", async (ctx, next) => {
 *   if (ctx.text === "/ping") await ctx.reply("pong");
 *   else await next();
 * });
 */
export class Composer<C extends Context = Context> implements MiddlewareObj<C> {
  #handler: MiddlewareFn<C>;

  constructor(...middleware: Middleware<C>[]) {
    // The trailing `pass` gives the last middleware a guarded `next` too.
    this.#handler = [...middleware.map(flatten), pass as MiddlewareFn<C>].reduce(concat);
  }

  /** The whole chain as one middleware function. */
  middleware(): MiddlewareFn<C> {
    return this.#handler;
  }

  /** Append middleware; returns the child composer that holds it. */
  use(...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer(...middleware);
    this.#handler = concat(this.#handler, flatten(child));
    return child;
  }

  /** Run `middleware` only for messages matching the query (or any of a list), with `ctx` narrowed. */
  on<Q extends FilterQuery>(
    query: Q | readonly Q[],
    ...middleware: Middleware<Filter<C, Q>>[]
  ): Composer<Filter<C, Q>> {
    return this.filter(matchFilter<C, Q>(query), ...middleware);
  }

  /** Run `middleware` only where `predicate` holds (a type guard narrows `ctx`); others skip past. */
  filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Middleware<D>[]): Composer<D>;
  filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...middleware: Middleware<C>[]): Composer<C>;
  filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer(...middleware);
    const branch = flatten(child);
    this.use(async (ctx, next) => {
      if (await predicate(ctx)) await branch(ctx, next);
      else await next();
    });
    return child;
  }

  /** The opposite of `filter`: run `middleware` where `predicate` does not hold. */
  drop(predicate: (ctx: C) => boolean | Promise<boolean>, ...middleware: Middleware<C>[]): Composer<C> {
    return this.filter(async (ctx) => !(await predicate(ctx)), ...middleware);
  }
}
