/**
 * The admin token: one random secret in `<home>/admin-token` (mode 0600) guards the REST API and
 * the MCP HTTP endpoint. Created on first use; an existing file is kept so configured clients keep
 * working across restarts.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { HomePaths } from "../store/home.js";

/** Read the admin token, creating it (0600, 32 random bytes, base64url) when missing or empty. */
export function ensureAdminToken(paths: Pick<HomePaths, "adminTokenPath">): string {
  const path = paths.adminTokenPath;
  try {
    const existing = readFileSync(path, "utf8").trim();
    if (existing.length >= 16) {
      chmodSync(path, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  // writeFileSync's mode is filtered by the umask and ignored for an existing file.
  chmodSync(path, 0o600);
  return token;
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined | null, token: string): boolean {
  if (!header || !token) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
