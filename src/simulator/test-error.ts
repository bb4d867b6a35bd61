/**
 * The error of the simulator's test client (`wxagent/simulator/testing`): on the one `WxError`
 * base (src/shared, which the simulator may import), with a stable code, `isRetryable`, the HTTP
 * status when the control API answered one, and a message that says what to do.
 */
import { WxError, type WxErrorOptions } from "../shared/wx-error.js";

export type SimTestErrorCode =
  /** 400: the control API refused the body (the message is the simulator's own) */
  | "SIM_BAD_REQUEST"
  /** 403: the Host or Origin is not one the simulator serves (add it with --allowed-host) */
  | "SIM_FORBIDDEN"
  /** 404: unknown account, QR code, media … */
  | "SIM_NOT_FOUND"
  /** 409: a QR code in the wrong state for that step */
  | "SIM_CONFLICT"
  /** 5xx or an answer that is not the JSON the control API sends */
  | "SIM_BAD_ANSWER"
  /** no answer at all: the simulator is not running at that URL */
  | "SIM_UNREACHABLE"
  /** what was awaited did not happen in time */
  | "SIM_WAIT_TIMEOUT"
  /** the simulator closed while something was awaited */
  | "SIM_CLOSED";

export interface SimTestErrorOptions extends WxErrorOptions {
  status?: number;
}

export class SimTestError extends WxError<SimTestErrorCode> {
  override name = "SimTestError";
  readonly status: number | undefined;

  constructor(code: SimTestErrorCode, message: string, options: SimTestErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}

export function isSimTestError(err: unknown, code?: SimTestErrorCode): err is SimTestError {
  return err instanceof SimTestError && (code === undefined || err.code === code);
}
