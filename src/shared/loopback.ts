/** Whether a host name or address (as bound, or a URL's hostname) is this machine's loopback. */
export function isLoopbackBind(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h);
}
