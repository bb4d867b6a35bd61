/**
 * The policy layer's one error class, thrown by the operator-facing pairing functions (a bad or
 * expired code, an unknown contact). `check()` itself never throws for a refusal: a refusal is
 * a verdict, not an error.
 */
import { WxError } from "../../shared/wx-error.js";

export type PolicyErrorCode =
  /** The text given is not shaped like a pairing code (6 characters from the code alphabet). */
  | "PAIRING_CODE_INVALID"
  /** No contact is waiting with this code (already approved, denied, or mistyped). */
  | "PAIRING_CODE_UNKNOWN"
  /** The code was issued but has expired. */
  | "PAIRING_CODE_EXPIRED"
  /** Two accounts hold the same pending code; the caller must name the account. */
  | "PAIRING_CODE_AMBIGUOUS";

/** Never retryable: nothing here gets better by retrying the same call, the operator has to act. */
export class PolicyError extends WxError<PolicyErrorCode> {
  override readonly name = "PolicyError";
  constructor(code: PolicyErrorCode, message: string) {
    super(code, message);
  }
}

export function isPolicyError(err: unknown, code?: PolicyErrorCode): err is PolicyError {
  return err instanceof PolicyError && (code === undefined || err.code === code);
}
