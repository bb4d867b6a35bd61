export * from "./dedup.js";
export * from "./errors.js";
export * from "./home.js";
export * from "./lock.js";
export { MIGRATIONS, migrate, schemaVersion } from "./migrations.js";
export { type OpenStoreOptions, openStore } from "./sqlite.js";
export type * from "./types.js";
