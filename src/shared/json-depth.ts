/**
 * Bounds on wire data before anything walks it. JSON.parse reads a 20 000-deep array happily, but
 * every recursive walk after it (JSON.stringify, a content hash, a logger) runs out of stack, and
 * a throw there fails the whole poll, every time. So a value is measured first, iteratively, and
 * refused when it nests deeper than any real iLink message does.
 */

/**
 * Deepest nesting a wire message may have. A real one is at most about 8 levels deep
 * (message → item_list → item → ref_msg → message_item → image_item → media → field); 32 leaves
 * room for what the server may add.
 */
export const MAX_WIRE_DEPTH = 32;

/**
 * True when `value` nests objects or arrays more than `maxDepth` levels deep (a scalar is depth
 * 0, `[]` and `{}` depth 1). Iterative, and it stops at the first branch past the limit.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}
