/** The admin web UI and the REST API it mounts under `/api`. */

export { type ApiAppOptions, createApiApp } from "./api.js";
export { type AdminAppOptions, createAdminApp } from "./app.js";
export { SESSION_COOKIE, sessionValue } from "./auth.js";
export type { AccountView, AdminGateway, ContactView, MinuteBucket, PendingAsk } from "./data.js";
export { type Locale, pickLocale } from "./i18n.js";
export {
  createBufferedLogger,
  DEFAULT_LOG_LINES,
  LogBuffer,
  type LogEntry,
  type LogLevelName,
} from "./log-buffer.js";
export { type AdminServer, adminUrl, type StartAdminServerOptions, startAdminServer } from "./server.js";
