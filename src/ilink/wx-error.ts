/** The one error base every layer extends lives in src/shared (the lowest layer); the SDK re-exports it. */
export { isWxError, messageOf, WxError, type WxErrorJSON, type WxErrorOptions } from "../shared/wx-error.js";
